import type { Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { describe, expect, it } from 'vitest';
import { sessionMiddleware } from '../../../src/http/session/session.js';

const T0 = 1_700_000_000_000;
const ABSOLUTE_MS = 60 * 60 * 1000;
const ANONYMOUS_MS = 10 * 60 * 1000;

/** Runs the absolute-lifetime step for a session signed in at T0, at the instant `at`. */
async function requestAt(at: number) {
  const handlers = sessionMiddleware({
    store: new session.MemoryStore(),
    secrets: ['test-secret'],
    production: false,
    idleTimeoutMs: 30 * 60 * 1000,
    absoluteTimeoutMs: ABSOLUTE_MS,
    anonymousMaxAgeMs: ANONYMOUS_MS,
    now: () => at,
  });
  const absoluteLifetime = handlers[handlers.length - 1] as RequestHandler;
  const seen = { destroyed: false, cleared: [] as string[], next: 0 };
  const req = {
    headers: {},
    session: {
      signedInAt: T0,
      userId: 1,
      destroy(cb: (err?: unknown) => void) {
        seen.destroyed = true;
        cb();
      },
    },
    sessionStore: {
      generate(r: { session: unknown }) {
        r.session = { cookie: {} };
      },
    },
  } as unknown as Request;
  const res = {
    locals: {} as Record<string, unknown>,
    clearCookie(name: string) {
      seen.cleared.push(name);
      return res;
    },
  } as unknown as Response;
  await absoluteLifetime(req, res, () => {
    seen.next += 1;
  });
  return {
    ...seen,
    session: req.session as unknown as Record<string, unknown>,
    notice: (res.locals as { sessionEnded?: string }).sessionEnded,
  };
}

describe('the absolute session lifetime', () => {
  it('when exactly the absolute lifetime has passed since sign-in, then the session goes on', async () => {
    const at = await requestAt(T0 + ABSOLUTE_MS);
    expect(at).toMatchObject({ destroyed: false, cleared: [], next: 1 });
    expect(at.session).toMatchObject({ userId: 1 });
    expect(at.notice).toBeUndefined();
  });

  it('when 1 ms more has passed, then the session is destroyed, its cookie cleared, and an anonymous one with a short life follows', async () => {
    const over = await requestAt(T0 + ABSOLUTE_MS + 1);
    expect(over).toMatchObject({ destroyed: true, cleared: ['sid'], next: 1 });
    expect(over.session).toEqual({ cookie: { maxAge: ANONYMOUS_MS } });
    // The next page tells the browser why it is signed out, once (the cookie is cleared).
    expect(over.notice).toBe('Your session expired. Sign in again to continue.');
  });
});
