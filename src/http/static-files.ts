import express, { type RequestHandler } from 'express';

/**
 * The public folder, for paths that name a file (with an extension) only. Every other path is
 * one of the app's routes, and asking the disk about /login or /gconnect would cost each of
 * those requests a stat() call.
 */
export function staticFiles(root: string, options: { maxAge: string | number }): RequestHandler {
  const serve = express.static(root, { index: false, maxAge: options.maxAge });
  return (req, res, next) => {
    if (/\.[A-Za-z0-9]+$/.test(req.path)) serve(req, res, next);
    else next();
  };
}
