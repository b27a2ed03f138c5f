import { dirname } from 'node:path';

/**
 * Start-up failed for a reason in the environment (a port taken, a folder not writable). The
 * message names the setting and the fix; the entry points print it as one line.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** Where a server tried to listen, and the variable that chose the port. */
export interface ListenTarget {
  host: string;
  port: number;
  /** `PORT`, or `EMULATOR_PORT` for the emulator of `npm run dev`. */
  variable: string;
}

/** A failed listen(), in words: which variable to change and to what. */
export function explainListenError<E>(err: E, target: ListenTarget): StartupError | E {
  const code = errorCode(err);
  const where = `${target.host}:${target.port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError(
        `${target.variable}: ${where} is already in use by another process. Stop that process, or set ${target.variable} to a free port (e.g. ${target.variable}=${target.port + 1}).`,
        { cause: err },
      );
    case 'EACCES':
      return new StartupError(
        `${target.variable}: no permission to listen on ${where} (ports below 1024 need privileges). Set ${target.variable} to 1024 or above, and put a reverse proxy on the low port.`,
        { cause: err },
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new StartupError(
        `HOST: "${target.host}" is not an address of this machine. Set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all).`,
        { cause: err },
      );
    default:
      return err;
  }
}

/** A database that could not be opened or created, in words: the path and what to do. */
export function explainDatabaseError(err: unknown, path: string): unknown {
  const code = errorCode(err);
  const syscall = (err as { syscall?: unknown } | undefined)?.syscall;
  if (syscall === 'mkdir') {
    return new StartupError(
      `DATABASE_URL: cannot create the data folder "${dirname(path)}" (${code}). Make it writable by this user, or set DATABASE_URL=file:/a/writable/folder/app.db.`,
      { cause: err },
    );
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return new StartupError(
      `DATABASE_URL: cannot open the database "${path}" (${code}: ${(err as Error).message}). Check that the file is an SQLite database and that it and its folder are writable by this user, or set DATABASE_URL to another file.`,
      { cause: err },
    );
  }
  return err;
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** PostgreSQL unreachable or refusing at start: the (password-free) URL and what to check. */
export function explainPostgresError(err: unknown, url: string): StartupError {
  const code = errorCode(err);
  const detail = `${code ? `${code}: ` : ''}${(err as Error | undefined)?.message ?? String(err)}`;
  return new StartupError(
    `DATABASE_URL: cannot open the PostgreSQL database ${url} (${detail}). Check that the server runs and accepts connections from here, and the user, password and database name.`,
    { cause: err },
  );
}
