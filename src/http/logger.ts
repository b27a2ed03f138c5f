import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type DestinationStream, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/** The app's logger: JSON lines to stdout, or to `destination` (tests read what it wrote). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    // Belt and braces: these never should reach a log line, and if one does it is masked.
    redact: {
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
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Access log without the query string (it carries the login state) and without headers
 * (cookies, authorization): method, path, status and time are all an operator needs.
 */
export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    serializers: {
      req: (req: IncomingMessage & { id?: unknown }) => ({
        id: req.id,
        method: req.method,
        path: (req.url ?? '').split('?')[0],
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
  });
}
