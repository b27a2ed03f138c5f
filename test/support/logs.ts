import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** A pino logger that hands each line it writes (JSON text) to `onLine`, for tests to read. */
export function capturingLogger(
  level: pino.LevelWithSilent,
  onLine: (line: string) => void,
): Logger {
  return pino(
    { level },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        onLine(chunk.toString('utf8'));
        cb();
      },
    }),
  );
}
