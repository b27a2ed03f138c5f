import type { DestinationStream } from 'pino';

/** pino's numeric levels, as a reader says them. */
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every pino line has, shown in the line's head or not at all. */
const HEAD_FIELDS = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'msg',
  'req',
  'res',
  'responseTime',
]);

/**
 * `npm run dev`'s log: each JSON line pino writes becomes one line a person reads at a glance
 * (`12:14:10 INFO  GET /login 200 3 ms`, `12:14:10 WARN  message key=value`). Production keeps
 * pino's JSON lines, which log collectors parse.
 */
export function compactLog(out: { write(text: string): unknown }): DestinationStream {
  return { write: (line: string) => out.write(`${compactLine(line)}\n`) };
}

export function compactLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = typeof entry.time === 'number' ? clock(entry.time) : '--:--:--';
  const level = LEVELS[entry.level as number] ?? String(entry.level);
  const rest = fields(entry);
  return [time, level, head(entry), ...rest].filter((part) => part !== '').join(' ');
}

/** An access line is `METHOD /path STATUS N ms`; any other line is its message. */
function head(entry: Record<string, unknown>): string {
  const req = entry.req as { method?: string; path?: string } | undefined;
  const res = entry.res as { statusCode?: number } | undefined;
  if (req?.method && res?.statusCode !== undefined) {
    const aborted = entry.msg === 'request aborted' ? ' (aborted)' : '';
    return `${req.method} ${req.path ?? ''} ${res.statusCode} ${String(entry.responseTime)} ms${aborted}`;
  }
  return typeof entry.msg === 'string' ? entry.msg : '';
}

/** The other fields as `key=value`, nested ones with dotted keys (`err.message="…"`). */
function fields(entry: Record<string, unknown>): string[] {
  const out: string[] = [];
  const add = (prefix: string, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) add(`${prefix}.${key}`, inner);
    } else {
      out.push(`${prefix}=${show(value)}`);
    }
  };
  for (const [key, value] of Object.entries(entry)) {
    if (!HEAD_FIELDS.has(key)) add(key, value);
  }
  return out;
}

function show(value: unknown): string {
  if (typeof value === 'string') return /^[\w./:@-]+$/.test(value) ? value : JSON.stringify(value);
  if (Array.isArray(value))
    return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',');
  return String(value);
}

function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
