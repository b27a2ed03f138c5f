/**
 * Start-up failed for a reason in the environment (a port taken, an address not this machine's).
 * The message names the variable and the fix; the entry points print it as one line.
 */
export class ListenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ListenError';
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
export function explainListenError<E>(err: E, target: ListenTarget): ListenError | E {
  const code = errorCode(err);
  const where = `${target.host}:${target.port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new ListenError(
        `${target.variable}: ${where} is already in use by another process. Stop that process, or set ${target.variable} to a free port (e.g. ${target.variable}=${target.port + 1}).`,
        { cause: err },
      );
    case 'EACCES':
      return new ListenError(
        `${target.variable}: no permission to listen on ${where} (ports below 1024 need privileges). Set ${target.variable} to 1024 or above, and put a reverse proxy on the low port.`,
        { cause: err },
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ListenError(
        `HOST: "${target.host}" is not an address of this machine. Set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all).`,
        { cause: err },
      );
    default:
      return err;
  }
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
