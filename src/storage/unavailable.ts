/**
 * True when an error means the database cannot serve right now (locked, full, down, restarting,
 * too slow), which the client sees as 503 "try again", not as a bug (500).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code.startsWith('SQLITE_')) return true;
  if (NETWORK_CODES.has(code)) return true;
  // PostgreSQL's SQLSTATE: connection lost, out of resources, shut down or cancelled
  // (statement_timeout), lock or serialization conflict.
  if (/^(08|40|53|55|57|58)[0-9A-Z]{3}$/.test(code) || code === '25P03') return true;
  // node-postgres' own errors when it cannot get or keep a connection.
  return typeof e?.message === 'string' && PG_CLIENT_MESSAGES.test(e.message);
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

const PG_CLIENT_MESSAGES =
  /^(timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error|Cannot use a pool after calling end)/;
