import type { Express, Request, Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Gconnect } from '../index.js';

/**
 * Runs `app` with a final handler of its own instead of Express's. An error handed on after the
 * app's error handler has already answered — express-session reports a session write that
 * fails as the response ends (a read-only or full database) by calling `next` once more — goes
 * past the whole stack to the final handler, and Express's own then destroys the socket: the
 * keep-alive connection of a complete 503 drops without `Connection: close`. This one logs it
 * like the error handler and leaves a complete response's connection open; a response cut
 * mid-body still loses its connection, the only way to tell the client it is incomplete.
 */
export function withFinalHandler(
  app: Express,
  pages: Gconnect['pages'],
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    app(req as Request, res as Response, (err?: unknown) => {
      const request = req as Request;
      const response = res as Response;
      const cut = () => response.destroy();
      const answer = (error: unknown) => pages.errorHandler(error, request, response, cut);
      if (err === undefined || err === null || err === 'router' || err === 'route') {
        if (!response.headersSent) pages.notFound(request, response, answer);
        return;
      }
      answer(err);
    });
  };
}
