import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, Messages } from '../errors.js';
import { isDatabaseUnavailable } from '../storage/unavailable.js';

/** Turns any error into the contract's response: a JSON string, or a page for browsers. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    const appError = toAppError(err);
    if (appError.status >= 500) {
      logger.error({ error: describe(err), code: appError.code, path: req.path }, 'request failed');
    } else {
      logger.info(
        { code: appError.code, status: appError.status, path: req.path },
        'request refused',
      );
    }
    // An error after the response is complete (e.g. the session store failing as it ends) is
    // logged above; handing it on would make Express destroy the socket under the sent response.
    if (res.writableEnded) return;
    if (res.headersSent) return next(err);
    sendError(req, res, appError);
  };
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new AppError(404, Messages.notFound, { code: 'not_found' }));
};

function sendError(req: Request, res: Response, error: AppError): void {
  res.status(error.status);
  if (wantsPage(req)) {
    res.render('error', { status: error.status, message: error.publicMessage });
    return;
  }
  res.json(error.publicMessage);
}

/** Browsers navigating to a page get a page; fetch() and curl get the JSON string. */
function wantsPage(req: Request): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD' || isFormPost(req)) &&
    req.accepts(['json', 'html']) === 'html'
  );
}

function isFormPost(req: Request): boolean {
  return (
    req.method === 'POST' &&
    req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded' &&
    req.path !== '/gconnect'
  );
}

/** Maps library errors to the contract once, here. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as
    { type?: unknown; status?: unknown; statusCode?: unknown; code?: unknown } | undefined;
  if (isDatabaseUnavailable(err)) {
    return new AppError(503, Messages.storageUnavailable, {
      code: 'storage_unavailable',
      cause: err,
    });
  }
  switch (e?.type) {
    case 'entity.too.large':
      return new AppError(413, Messages.tooLarge, { code: 'body_too_large', cause: err });
    case 'entity.parse.failed':
      return new AppError(400, 'Malformed request body.', { code: 'body_malformed', cause: err });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, 'Unsupported body encoding.', { code: 'body_encoding', cause: err });
  }
  const status =
    typeof e?.status === 'number'
      ? e.status
      : typeof e?.statusCode === 'number'
        ? e.statusCode
        : 500;
  if (status >= 400 && status < 500)
    return new AppError(status, 'Bad request.', { code: `http_${status}`, cause: err });
  return new AppError(500, Messages.internal, { code: 'internal', cause: err });
}

/** Only the kind and message of an error go to the log; request data never does. */
function describe(err: unknown): { type: string; message: string; stack?: string | undefined } {
  if (err instanceof AppError) {
    const cause = err.cause instanceof Error ? err.cause : undefined;
    return { type: 'AppError', message: `${err.code}${cause ? `: ${cause.message}` : ''}` };
  }
  if (err instanceof Error) return { type: err.name, message: err.message, stack: err.stack };
  return { type: typeof err, message: 'non-error thrown' };
}
