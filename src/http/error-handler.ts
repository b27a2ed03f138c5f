import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, Messages } from '../core/errors.js';
import { isDatabaseUnavailable } from '../storage/unavailable.js';
import { describeFailure, failureAreaOf, type FailureArea } from './failure-page.js';

export interface ErrorPageOptions {
  /** Named on the page of a refused account. */
  allowedDomains?: readonly string[];
  /**
   * Paths whose failures a browser sees at a clean address instead (path → page), because
   * their own URL holds secrets: the redirect callback's `code` and `state`.
   */
  cleanFailurePages?: Record<string, string>;
}

/** Turns any error into the contract's response: a JSON string, or a page for browsers. */
export function errorHandler(logger: Logger, options: ErrorPageOptions = {}): ErrorRequestHandler {
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
    sendError(req, res, appError, options);
  };
}

function notFoundError(): AppError {
  return new AppError(404, Messages.notFound, { code: 'not_found' });
}

/**
 * For a route whose form posts are API calls, not browser forms (Google's sample posts
 * `code=` to /gconnect by fetch): its errors stay JSON strings instead of an error page.
 */
export const formPostsAreApiCalls: RequestHandler = (_req, res, next) => {
  res.locals.formPostsAreApiCalls = true;
  next();
};

export const notFound: RequestHandler = (_req, _res, next) => {
  next(notFoundError());
};

function sendError(req: Request, res: Response, error: AppError, options: ErrorPageOptions): void {
  if (!wantsPage(req, res)) {
    res.status(error.status).json(error.publicMessage);
    return;
  }
  const cleanPage = options.cleanFailurePages?.[req.path];
  if (cleanPage !== undefined) {
    const query = new URLSearchParams({ reason: error.code, status: String(error.status) });
    res.set('Cache-Control', 'no-store');
    res.redirect(303, `${cleanPage}?${query}`);
    return;
  }
  res.status(error.status);
  const area = failureAreaOf(req.path);
  renderFailure(
    res,
    error.code,
    error.status,
    options.allowedDomains ?? [],
    error.publicMessage,
    area,
  );
}

/** The error page: plain words first; the technical message, if any, small underneath. */
export function renderFailure(
  res: Response,
  code: string,
  status: number,
  allowedDomains: readonly string[],
  detail?: string,
  area: FailureArea = 'sign-in',
): void {
  const page = describeFailure(code, status, allowedDomains, area);
  res.render('error', { status, detail, page });
}

/** Browsers navigating to a page get a page; fetch() and curl get the JSON string. */
function wantsPage(req: Request, res: Response): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD' || isFormPost(req, res)) &&
    req.accepts(['json', 'html']) === 'html'
  );
}

function isFormPost(req: Request, res: Response): boolean {
  return (
    req.method === 'POST' &&
    req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded' &&
    res.locals.formPostsAreApiCalls !== true
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
      return new AppError(400, Messages.malformedBody, { code: 'body_malformed', cause: err });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, Messages.unsupportedEncoding, { code: 'body_encoding', cause: err });
  }
  const status =
    typeof e?.status === 'number'
      ? e.status
      : typeof e?.statusCode === 'number'
        ? e.statusCode
        : 500;
  if (status >= 400 && status < 500)
    return new AppError(status, Messages.badRequest, { code: `http_${status}`, cause: err });
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
