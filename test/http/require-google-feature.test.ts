import express, { type ErrorRequestHandler } from 'express';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { requireGoogleFeature } from '../../src/http/require-google-feature.js';
import type { User, UserStore } from '../../src/storage/user-store.js';

const ALICE = { id: 7, email: 'alice@example.com' } as User;
const users = {
  findById: (id: number) => Promise.resolve(id === ALICE.id ? ALICE : undefined),
} as unknown as UserStore;

/** An app signed in as Alice, /calendar behind requireGoogleFeature with this `isGranted`. */
function appWith(isGranted: (userId: number, feature: string) => Promise<boolean>) {
  const app = express();
  app.use((req, _res, next) => {
    (req as { session: unknown }).session = { userId: ALICE.id };
    next();
  });
  app.get('/calendar', requireGoogleFeature(users, 'calendar', isGranted), (_req, res) => {
    res.send('on');
  });
  const onError: ErrorRequestHandler = (err: Error, _req, res, _next) => {
    res.status(503).json({ error: err.message });
  };
  app.use(onError);
  return supertest(app);
}

describe('requireGoogleFeature', () => {
  it('when the feature is granted, then the route runs', async () => {
    const asked: unknown[] = [];
    const request = appWith((userId, feature) => {
      asked.push([userId, feature]);
      return Promise.resolve(true);
    });
    expect((await request.get('/calendar').expect(200)).text).toBe('on');
    expect(asked).toEqual([[7, 'calendar']]);
  });

  it('when it is not, then a browser gets 303 to the connect URL and JSON 403 with it, marked guarded (a cancel must not lead back here)', async () => {
    const request = appWith(() => Promise.resolve(false));
    const page = await request.get('/calendar?x=1').set('Accept', 'text/html').expect(303);
    expect(page.headers.location).toBe(
      '/account/google/connect?feature=calendar&returnTo=%2Fcalendar%3Fx%3D1&guarded=1',
    );
    const json = await request.get('/calendar').set('Accept', 'application/json').expect(403);
    expect(json.body).toEqual({
      error: 'scope_not_granted',
      connectUrl: '/account/google/connect?feature=calendar&returnTo=%2Fcalendar&guarded=1',
    });
  });

  it('when reading the grant fails, then the error handler answers (no unhandled rejection)', async () => {
    const request = appWith(() => Promise.reject(new Error('database unavailable')));
    const res = await request.get('/calendar').timeout(5000).expect(503);
    expect(res.body).toEqual({ error: 'database unavailable' });
  });
});
