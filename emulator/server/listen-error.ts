/**
 * A failed listen() of `npm run emulator`, in words. The emulator keeps its own copy of the app's
 * explanation (src/server/listen-error.ts) so it depends on nothing in the app's source.
 */
export class EmulatorStartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmulatorStartupError';
  }
}

/** Which variable to change and to what; other errors are returned unchanged. */
export function explainListenError<E>(
  err: E,
  target: { host: string; port: number },
): EmulatorStartupError | E {
  const code = (err as { code?: unknown } | undefined)?.code;
  const where = `${target.host}:${target.port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new EmulatorStartupError(
        `EMULATOR_PORT: ${where} is already in use by another process. Stop that process, or set EMULATOR_PORT to a free port (e.g. EMULATOR_PORT=${target.port + 1}).`,
        { cause: err },
      );
    case 'EACCES':
      return new EmulatorStartupError(
        `EMULATOR_PORT: no permission to listen on ${where} (ports below 1024 need privileges). Set EMULATOR_PORT to 1024 or above.`,
        { cause: err },
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new EmulatorStartupError(
        `EMULATOR_HOST: "${target.host}" is not an address of this machine. Set EMULATOR_HOST to a loopback address (127.0.0.1 or ::1).`,
        { cause: err },
      );
    default:
      return err;
  }
}
