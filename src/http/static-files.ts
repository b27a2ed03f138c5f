import express, { type RequestHandler, type Response } from 'express';

/**
 * The public folder, for paths that name a file (with an extension) only. Every other path is
 * one of the app's routes, and asking the disk about /login or /gconnect would cost each of
 * those requests a stat() call.
 */
export function staticFiles(root: string, options: { maxAge: string | number }): RequestHandler {
  const serve = express.static(root, { index: false, maxAge: options.maxAge });
  return (req, res, next) => {
    if (!/\.[A-Za-z0-9]+$/.test(req.path)) return next();
    servedFiles.add(res);
    serve(req, res, (err?: unknown) => {
      // No such file: the request goes on to the app's routes (and its 404), logged as any other.
      servedFiles.delete(res);
      next(err);
    });
  };
}

/** Responses that are files of the public folder (the access log writes them at debug). */
const servedFiles = new WeakSet<Response>();

export function isStaticFile(res: Response): boolean {
  return servedFiles.has(res);
}
