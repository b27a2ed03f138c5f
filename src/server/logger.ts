import pino, { type DestinationStream, type Logger } from 'pino';
import { LOG_REDACTION } from '../index.js';

/**
 * The server's logger: JSON lines to stdout, or to `destination` (tests read what it wrote), with
 * gconnect's redaction. Stdout is written asynchronously (lines go out while the event loop goes
 * on, not in the middle of a request); pino flushes it synchronously when the process exits, and
 * the server flushes it when it closes.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: LOG_REDACTION }, destination ?? pino.destination({ sync: false }));
}

/** Writes what the logger still holds, e.g. before the process exits. */
// pino also flushes on process exit, so emptying this body is an equivalent mutant; the explicit
// flush makes the shutdown's order plain.
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
