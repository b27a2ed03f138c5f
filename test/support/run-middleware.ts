import type { NextFunction, Request, Response } from 'express';

/** The address every request of `runMiddleware` comes from. */
export const CLIENT_IP = '192.0.2.7';

/** A request as the rate-limit middlewares read it: only its address. */
const request = (ip: string) => ({ ip, socket: {} }) as unknown as Request;

/**
 * Runs a middleware (or, given `err`, an error middleware) once on a request from `CLIENT_IP`
 * and returns what it handed to next and the headers it set.
 */
export async function runMiddleware(
  middleware: (req: Request, res: Response, next: NextFunction) => unknown,
  err?: unknown,
) {
  const headers: Record<string, string> = {};
  const res = { set: (name: string, value: string) => (headers[name] = value) } as never;
  let passed: unknown = 'not called';
  const next: NextFunction = (e?: unknown) => (passed = e);
  if (err === undefined) await middleware(request(CLIENT_IP), res, next);
  else
    await (middleware as unknown as (e: unknown, ...rest: unknown[]) => unknown)(
      err,
      request(CLIENT_IP),
      res,
      next,
    );
  return { passed, headers };
}
