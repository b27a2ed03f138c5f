/**
 * True when an error means the database cannot serve right now (locked, full, down, restarting,
 * too slow), which the client sees as 503 "try again", not as a bug (500).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const e = err as { code?: unknown; message?: unknown; syscall?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code.startsWith('SQLITE_')) return true;
  // Any failed connect: refused, or (Unix socket) no server listening: ENOENT.
  if (e?.syscall === 'connect' || NETWORK_CODES.has(code)) return true;
  // PostgreSQL's SQLSTATE: connection lost, out of resources, shut down or cancelled
  // (statement_timeout), lock or serialization conflict; 25006: a write reached a read-only
  // server (a standby after a failover, until the pool reconnects to the new primary).
  if (/^(08|40|53|55|57|58)[0-9A-Z]{3}$/.test(code) || code === '25P03' || code === '25006')
    return true;
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

/**
 * A database error as the session store hands it to express-session, which reads an error
 * coded ENOENT (what connecting to a PostgreSQL socket that is gone gives) as "no such
 * session": a silent sign-out instead of a 503.
 */
export class DatabaseUnavailableError extends Error {
  readonly code = 'DATABASE_UNAVAILABLE';
  constructor(cause: unknown) {
    super(`database unavailable: ${(cause as Error | undefined)?.message ?? String(cause)}`, {
      cause,
    });
    this.name = 'DatabaseUnavailableError';
  }
}
