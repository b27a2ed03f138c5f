import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';

/** The address every request of `runMiddleware` comes from. */
export const CLIENT_IP = '192.0.2.7';

/** A request as the rate-limit middlewares read it: only its address. */
const request = (ip: string) => ({ ip, socket: {} }) as unknown as Request;

/** A response as the rate-limit middlewares use it: headers set, and its events ('finish'). */
export function fakeResponse() {
  const headers: Record<string, string> = {};
  const res = Object.assign(new EventEmitter(), {
    set: (name: string, value: string) => (headers[name] = value),
  });
  return { res, headers };
}

/**
 * Runs a middleware (or, given `err`, an error middleware) once on a request from `CLIENT_IP`
 * and returns what it handed to next and the headers it set. Pass `response` to run several
 * middlewares on one response.
 */
export async function runMiddleware(
  middleware: (req: Request, res: Response, next: NextFunction) => unknown,
  err?: unknown,
  response: ReturnType<typeof fakeResponse> = fakeResponse(),
) {
  const { headers } = response;
  const res = response.res as never;
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
