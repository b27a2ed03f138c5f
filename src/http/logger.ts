import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

/**
 * The access log: one line per request when its response is done (or the client went away);
 * a successful `quiet` one (a static file: a page's stylesheet, script, pictures) at debug, so a
 * page view is one line at info.
 * Only method, path (without the query string: it carries the login state), status and time are
 * written; never headers (cookies, authorization). The line is built from those fields alone, so
 * it skips the logger's redact pass, which cost several times the line itself.
 */
export function requestLogger(
  logger: Logger,
  options: { skip?: (res: Response) => boolean; quiet?: (res: Response) => boolean } = {},
): RequestHandler {
  // The line holds none of the redacted keys: the empty list only skips the redact pass (a cost,
  // so dropping it or adding a path is an equivalent mutant).
  const access = logger.child({}, { redact: { paths: [] } });
  let lastId = 0;
  return (req, res, next) => {
    const start = performance.now();
    const id = ++lastId;
    res.once('close', () => {
      if (options.skip?.(res) === true) return;
      const line = {
        req: { id, method: req.method, path: pathOf(req.originalUrl) },
        res: { statusCode: res.statusCode },
        responseTime: Math.round(performance.now() - start),
      };
      if (!res.writableFinished) access.warn(line, 'request aborted');
      else if (res.statusCode >= 500) access.error(line, 'request errored');
      else if (res.statusCode < 400 && options.quiet?.(res) === true) {
        access.debug(line, 'request completed');
      } else access.info(line, 'request completed');
    });
    next();
  };
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
