import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * pino's `redact` option of the loggers gconnect makes: belt and braces, these never should reach
 * a log line, and if one does it is masked. A host that passes its own logger can use it too.
 */
export const LOG_REDACTION = {
  paths: [
    '*.access_token',
    '*.id_token',
    '*.code',
    '*.accessToken',
    '*.idToken',
    '*.client_secret',
    '*.clientSecret',
    '*.cookie',
    '*.authorization',
    '*.sessionSecrets',
  ],
  censor: '[redacted]',
};

/**
 * The logger gconnect makes when the host gives none: JSON lines to stdout, or to `destination`
 * (tests read what it wrote). Stdout is written asynchronously (lines go out while the event loop
 * goes on, not in the middle of a request); pino flushes it synchronously when the process exits.
 * The standalone server makes its own the same way (src/server/logger.ts) and flushes it on close.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: LOG_REDACTION };
  // `sync: false` is SonicBoom's default, said for the reader; `sync: true` would change only
  // when lines leave the process, which no test can see (tests pass their own destination):
  // both are equivalent mutants.
  return pino(options, destination ?? pino.destination({ sync: false }));
}
