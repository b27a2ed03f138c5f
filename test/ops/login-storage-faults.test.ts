/**
 * The database refusing writes (read-only, or the disk full) while people open the sign-in page:
 * /login must not hand out a state it could not store (503, not a 200 whose state /gconnect then
 * calls invalid), the keep-alive connection stays usable, and once writes work again the same
 * connection gets a state that signs in, with no restart.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT } from '../support/client.js';
import { signedInSessions } from '../support/database.js';
import { useHarness } from '../support/use-harness.js';

const UNAVAILABLE = 'The database is unavailable; try again.';

const scope = useHarness();
const appDb = () => scope.h.appDb;
afterEach(() => {
  appDb().pragma('query_only = OFF');
  appDb().pragma('max_page_count = 1073741823');
  appDb().exec("DELETE FROM sessions WHERE sid LIKE 'filler-%'");
});

interface Reply {
  status: number;
  body: unknown;
  reusedSocket: boolean;
  cookie: string | undefined;
}

/** One client on one keep-alive connection, carrying its cookie like a browser. */
function oneConnectionClient() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let cookie: string | undefined;
  const send = (method: string, path: string, body?: string) =>
    new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        new URL(path, scope.h.url),
        {
          method,
          agent,
          headers: {
            accept: 'application/json',
            ...(cookie ? { cookie } : {}),
            ...(body !== undefined ? { 'content-type': 'text/plain' } : {}),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => {
            // The session cookie (GET /login also sets the nonce binding cookie).
            const set = res.headers['set-cookie']
              ?.find((c) => /^(__Host-)?sid=/.test(c))
              ?.split(';')[0];
            if (set) cookie = set;
            resolve({
              status: res.statusCode ?? 0,
              body: res.headers['content-type']?.includes('json') ? JSON.parse(text) : text,
              reusedSocket: req.reusedSocket,
              cookie: set,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}

/**
 * Fills the database up to the page limit this connection allows: sessions rows, smaller and
 * smaller, until not even a tiny one fits, so no page of the sessions table has room left.
 */
function fillDatabase(): void {
  const pages = appDb().pragma('page_count', { simple: true }) as number;
  appDb().pragma(`max_page_count = ${pages}`);
  const insert = appDb().prepare('INSERT INTO sessions (sid, sess, expires_at) VALUES (?, ?, ?)');
  for (const size of [512, 64, 1]) {
    for (;;) {
      try {
        insert.run(`filler-${randomBytes(16).toString('hex')}`, 'x'.repeat(size), 8e15);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_FULL') break;
        throw err;
      }
    }
  }
}

const faults: [string, () => void, () => void][] = [
  ['read-only', () => appDb().pragma('query_only = ON'), () => appDb().pragma('query_only = OFF')],
  [
    'full',
    fillDatabase,
    () => {
      appDb().exec("DELETE FROM sessions WHERE sid LIKE 'filler-%'");
      appDb().pragma('max_page_count = 1073741823');
    },
  ],
];

describe.each(faults)('when the database is %s', (_name, breakIt, repairIt) => {
  it('then /login answers 503 without a state, and after repair the same connection signs in', async () => {
    const client = oneConnectionClient();
    try {
      await client.send('GET', '/healthz');
      const sessionsBefore = appDb().prepare('SELECT count(*) AS n FROM sessions').get();
      breakIt();
      const refused = await client.send('GET', '/login');
      expect(refused).toMatchObject({ status: 503, body: UNAVAILABLE, reusedSocket: true });
      expect(refused.cookie).toBeUndefined();
      repairIt();
      expect(appDb().prepare('SELECT count(*) AS n FROM sessions').get()).toEqual(sessionsBefore);

      const login = await client.send('GET', '/login');
      expect(login).toMatchObject({ status: 200, reusedSocket: true });
      const { state } = login.body as { state: string };
      const code = scope.h.emulator.issueCode({
        account: 'alice@example.com',
        clientId: CLIENT.clientId,
      });
      const signedInBefore = signedInSessions(scope.db);
      const welcome = await client.send('POST', `/gconnect?state=${state}`, code);
      expect(welcome.status, String(welcome.body)).toBe(200);
      expect(welcome.reusedSocket).toBe(true);
      expect(signedInSessions(scope.db)).toBe(signedInBefore + 1);
    } finally {
      client.close();
    }
  });
});

describe('when the redirect sign-in starts on a read-only database', () => {
  it('then 503, not a trip to Google with a state that was not stored', async () => {
    const client = oneConnectionClient();
    try {
      appDb().pragma('query_only = ON');
      const res = await client.send('GET', '/auth/google');
      expect(res).toMatchObject({ status: 503, body: UNAVAILABLE });
    } finally {
      client.close();
    }
  });
});
