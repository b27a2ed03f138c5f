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
