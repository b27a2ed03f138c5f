import express from 'express';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { requireSignIn, signedInUser, wantsJson } from '../../src/http/require-sign-in.js';
import type { User, UserStore } from '../../src/storage/user-store.js';

const ALICE: User = {
  id: 7,
  googleSub: '110000000000000000007',
  email: 'alice@example.com',
  emailVerified: true,
  name: 'Alice',
  picture: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  lastLoginAt: '2026-01-01T00:00:00.000Z',
};

/** An app whose session holds `userId`, with /private behind requireSignIn, and the ids it looked up. */
function appWithSession(userId: number | undefined) {
  const lookedUp: unknown[] = [];
  const users = {
    findById: (id: number) => {
      lookedUp.push(id);
      return Promise.resolve(id === ALICE.id ? ALICE : undefined);
    },
  } as unknown as UserStore;
  const app = express();
  app.use((req, _res, next) => {
    (req as { session: unknown }).session = { userId };
    next();
  });
  app.get('/private', requireSignIn(users), (_req, res) => {
    res.json(signedInUser(res).email);
  });
  return { request: supertest(app), lookedUp };
}

describe('wantsJson: does the client speak JSON?', () => {
  const app = express();
  app.all('/', (req, res) => {
    res.json(wantsJson(req));
  });
  const request = supertest(app);

  it.each([
    { accept: 'application/json', json: true },
    { accept: 'application/json;q=0.9, text/plain;q=0.1', json: true },
    // A browser's navigation may list JSON too; it prefers the page.
    { accept: 'text/html, application/json', json: false },
    { accept: '*/*', json: false },
    // JSON is not named.
    { accept: 'application/*', json: false },
    { accept: 'text/html', json: false },
  ])('when Accept: $accept, then $json', async ({ accept, json }) => {
    await request.get('/').set('Accept', accept).expect(200, String(json));
  });

  it('when no Accept but a JSON body, then true; a form body, false', async () => {
    await request.post('/').send({ a: 1 }).expect(200, 'true');
    await request.post('/').type('form').send('a=1').expect(200, 'false');
    await request.get('/').expect(200, 'false');
  });
});

describe('requireSignIn', () => {
  it('when the session holds an existing user, then the route runs with that user', async () => {
    const { request, lookedUp } = appWithSession(ALICE.id);
    await request.get('/private').expect(200, '"alice@example.com"');
    expect(lookedUp).toEqual([ALICE.id]);
  });

  it('when the session holds no user, then no lookup, and a JSON client gets 401, not stored', async () => {
    const { request, lookedUp } = appWithSession(undefined);
    const res = await request
      .get('/private')
      .set('Accept', 'application/json')
      .expect(401, { error: 'Not signed in.' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(lookedUp).toEqual([]);
  });

  it("when the session's user no longer exists, then a browser is sent to sign in and brought back, not stored", async () => {
    const { request, lookedUp } = appWithSession(99);
    const res = await request.get('/private?tab=2').set('Accept', 'text/html').expect(302);
    expect(res.headers.location).toBe('/login?returnTo=%2Fprivate%3Ftab%3D2');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(lookedUp).toEqual([99]);
  });
});

describe('signedInUser', () => {
  it('when a route is not behind requireSignIn, then it throws rather than run without a user', () => {
    expect(() => signedInUser({ locals: {} })).toThrow(
      'signedInUser: the route is not behind requireSignIn',
    );
    expect(signedInUser({ locals: { user: ALICE } })).toBe(ALICE);
  });
});
