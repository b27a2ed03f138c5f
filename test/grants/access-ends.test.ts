/**
 * Time-limited Google access over real HTTP against the emulator, on both engines: the end Google
 * announces (refresh_token_expires_in, or the IETF draft's refresh_token_timeout) is kept, shown
 * in GET /account/google and on the account page, offers "Renew access" in its last 7 days but
 * never more than half of its own lifetime (a sign-in asks for consent in its last 7), and past it
 * the grant is needs_reconnect without a call to Google. Testing status gives 7 days, and no
 * "Renew access" right after sign-in: only in its last 3.5 days.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError, Messages } from '../../src/core/errors.js';
import { refreshTokenLifetime, tokenResponse } from '../../src/google/token-exchange.js';
import {
  ACCESS_ENDED,
  RENEWAL_WINDOW_MS,
  UNKNOWN_START_OFFER_MS,
} from '../../src/grants/time-limited-access.js';
import { startHarness, type Agent, type Harness } from '../support/harness.js';
import { signIn } from '../support/sign-in.js';
import { createEngine, ENGINES, type EngineUnderTest } from '../support/storage-engines.js';

const KEY1 = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
const DAY_S = 24 * 3600;
const DAY_MS = DAY_S * 1000;
const HOUR_MS = 3600 * 1000;

interface GrantRowEnd {
  status: string;
  status_reason: string | null;
  access_ends_at: number | string | null;
  access_starts_at: number | string | null;
}

/** Runs one write statement on the engine's database (the engine's own reader is read-only). */
async function write(url: string, sql: string, ...params: unknown[]): Promise<void> {
  if (url.startsWith('file:')) {
    const db = new Database(url.slice('file:'.length));
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let n = 0;
    await client.query(
      sql.replace(/\?/g, () => `$${++n}`),
      params,
    );
  } finally {
    await client.end();
  }
}

describe.each(ENGINES)('time-limited Google access on %s', (engineName) => {
  let engine: EngineUnderTest;
  let h: Harness;
  let offset = 0;
  const clock = () => Date.now() + offset;

  beforeAll(async () => {
    engine = await createEngine(engineName);
    h = await startHarness({
      now: clock,
      emulatorOptions: { now: clock },
      env: {
        DATABASE_URL: engine.url,
        TOKEN_ENCRYPTION_KEYS: KEY1,
        // The clock moves by days here; the sessions must outlive it.
        SESSION_IDLE_MINUTES: String(60 * 24 * 365),
        SESSION_ABSOLUTE_HOURS: String(24 * 365),
      },
    });
  });
  afterAll(async () => {
    await h.close();
    await engine.destroy();
  });
  afterEach(() => {
    offset = 0;
    h.emulator.clearTimeLimits();
    h.emulator.setTestingStatus(false);
  });

  async function userIdOf(email: string): Promise<number> {
    const [row] = await engine.rows<{ id: number | string }>(
      'SELECT id FROM users WHERE email = ?',
      email,
    );
    if (!row) throw new Error(`no user ${email}`);
    return Number(row.id);
  }

  async function grantOf(email: string): Promise<GrantRowEnd> {
    const [row] = await engine.rows<GrantRowEnd>(
      `SELECT status, status_reason, access_ends_at, access_starts_at
       FROM google_grants WHERE user_id = ?`,
      await userIdOf(email),
    );
    if (!row) throw new Error(`no grant for ${email}`);
    return row;
  }

  /** A popup sign-in through Google's consent screen again: it brings a new refresh token. */
  async function consentSignIn(email: string, agent: Agent = h.client()): Promise<Agent> {
    expect((await signIn(h, agent, email, { prompt: 'consent' })).status).toBe(200);
    h.emulator.resetCalls(); // each test counts the calls it causes
    return agent;
  }

  const connection = async (agent: Agent) =>
    (await agent.get('/account/google').set('Accept', 'application/json').expect(200)).body as {
      status: string;
      accessEndsAt: string | null;
    };
  const accountPage = async (agent: Agent) => (await agent.get('/account').expect(200)).text;

  it('when the user grants access for 30 days, then the end is stored, GET /account/google has it and the page says it, with no renewal yet', async () => {
    h.emulator.limitAccess({ seconds: 30 * DAY_S });
    const before = clock();
    const agent = await consentSignIn('alice@example.com');
    const after = clock();
    const row = await grantOf('alice@example.com');
    const endsAt = Number(row.access_ends_at);
    expect(endsAt).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect(endsAt).toBeLessThanOrEqual(after + 30 * DAY_MS);
    // Its start is when the refresh token was issued: the lifetime Google gave, to the ms.
    expect(endsAt - Number(row.access_starts_at)).toBe(30 * DAY_MS);
    const json = await connection(agent);
    expect(json).toMatchObject({
      status: 'connected',
      accessEndsAt: new Date(endsAt).toISOString(),
    });
    const page = await accountPage(agent);
    expect(page).toContain(
      `Google access ends on <time datetime="${new Date(endsAt).toISOString()}"`,
    );
    expect(page).not.toContain('Renew access');
  });

  it('when the token response says refresh_token_timeout (the IETF draft), then that end is kept', async () => {
    h.emulator.limitAccess({ seconds: 20 * DAY_S, field: 'refresh_token_timeout' });
    const before = clock();
    const agent = await consentSignIn('bob@example.org');
    const endsAt = Date.parse(String((await connection(agent)).accessEndsAt));
    expect(endsAt).toBeGreaterThanOrEqual(before + 20 * DAY_MS);
    expect(endsAt).toBeLessThan(before + 21 * DAY_MS);
  });

  it('when a long time-limited grant (30 days) nears its end, then the page offers "Renew access" in its last 7 days, as a sign-in asks for consent, and the renewal goes through consent', async () => {
    h.emulator.limitAccess({ seconds: 30 * DAY_S });
    const agent = await consentSignIn('alice@example.com');
    offset += 30 * DAY_MS - RENEWAL_WINDOW_MS - HOUR_MS; // 7 days and an hour left
    expect(await accountPage(agent)).not.toContain('Renew access');
    const plain = new URL(
      String(
        (await agent.get('/auth/google?returnTo=/account&reauth=1').expect(302)).headers.location,
      ),
    );
    expect(plain.searchParams.get('prompt')).toBeNull();
    offset += 2 * HOUR_MS; // 7 days less an hour left
    const page = await accountPage(agent);
    expect(page).toMatch(
      /<a class="button" id="renew-access" href="\/auth\/google\?returnTo=\/account&amp;reauth=1">Renew access<\/a>/,
    );
    expect(page).toContain('Google access ends on');
    const renewal = new URL(
      String(
        (await agent.get('/auth/google?returnTo=/account&reauth=1').expect(302)).headers.location,
      ),
    );
    // Only a consent brings a new refresh token (and with it a new end).
    expect(renewal.searchParams.get('prompt')).toBe('consent');
  });

  it('when a 30-day grant was stored before its start was recorded (migration step 11), then "Renew access" keeps the old rule: its last 3.5 days', async () => {
    h.emulator.limitAccess({ seconds: 30 * DAY_S });
    const agent = await consentSignIn('carol@example.com');
    await write(
      engine.url,
      'UPDATE google_grants SET access_starts_at = NULL WHERE user_id = ?',
      await userIdOf('carol@example.com'),
    );
    offset += 30 * DAY_MS - UNKNOWN_START_OFFER_MS - HOUR_MS; // 3.5 days and an hour left
    expect(await accountPage(agent)).not.toContain('Renew access');
    offset += 2 * HOUR_MS; // 3.5 days less an hour left
    expect(await accountPage(agent)).toContain('Renew access');
  });

  it('when the end has passed, then needs_reconnect because access ended, and no refresh reaches Google', async () => {
    h.emulator.limitAccess({ seconds: 2 * 3600 });
    const agent = await consentSignIn('carol@example.com');
    const userId = await userIdOf('carol@example.com');
    offset += 2 * HOUR_MS + 60_000; // the access token has expired too: a refresh would be due
    await expect(h.server.gconnect.googleAccessToken(userId)).rejects.toMatchObject({
      status: 409,
      code: 'needs_reconnect',
      publicMessage: Messages.googleAccessEnded,
    } satisfies Partial<AppError>);
    expect(await connection(agent)).toMatchObject({ status: 'needs_reconnect' });
    expect(await grantOf('carol@example.com')).toMatchObject({
      status: 'needs_reconnect',
      status_reason: ACCESS_ENDED,
    });
    expect(h.emulator.calls('refresh')).toHaveLength(0);
    const page = await accountPage(agent);
    expect(page).toContain('The Google access you gave this app ended');
    expect(page).toContain('Reconnect Google');
    expect(page).not.toContain(ACCESS_ENDED);
    const google = await agent.get('/account/google').set('Accept', 'text/html').expect(200);
    expect(google.text).toContain('The Google access you gave this app has ended.');
  });

  it('when the access is read before its end, then a refresh without a new refresh token keeps the end', async () => {
    h.emulator.limitAccess({ seconds: 30 * DAY_S });
    const agent = await consentSignIn('bob@example.org');
    const { accessEndsAt } = await connection(agent);
    const before = await grantOf('bob@example.org');
    offset += HOUR_MS; // the access token has expired: one refresh
    expect(await connection(agent)).toMatchObject({ status: 'connected', accessEndsAt });
    expect(h.emulator.calls('refresh')).toHaveLength(1);
    // The access still began when its refresh token was issued, not at the refresh.
    expect(Number((await grantOf('bob@example.org')).access_starts_at)).toBe(
      Number(before.access_starts_at),
    );
  });

  it('when the app is in Testing status, then refresh tokens end after 7 days, and "Renew access" waits for the last 3.5 days', async () => {
    h.emulator.setTestingStatus(true);
    const before = clock();
    const agent = await consentSignIn('bob@example.org');
    const endsAt = Date.parse(String((await connection(agent)).accessEndsAt));
    expect(endsAt).toBeGreaterThanOrEqual(before + 7 * DAY_MS);
    expect(endsAt).toBeLessThan(before + 7 * DAY_MS + HOUR_MS);
    // Right after sign-in: renewing would gain nothing yet.
    expect(await accountPage(agent)).not.toContain('Renew access');
    const halfLife = (7 * DAY_MS) / 2;
    offset += 7 * DAY_MS - halfLife - HOUR_MS; // 3.5 days and an hour left
    expect(await accountPage(agent)).not.toContain('Renew access');
    offset += 2 * HOUR_MS; // 3.5 days less an hour left
    expect(await accountPage(agent)).toContain('Renew access');
    offset += halfLife;
    expect(await connection(agent)).toMatchObject({ status: 'needs_reconnect' });
    expect(h.emulator.calls('refresh')).toHaveLength(0);
  });

  it('when the user signs in again with a new refresh token, then its end replaces the old one (none: null), and an ended grant is connected again', async () => {
    h.emulator.limitAccess({ seconds: 3600 });
    const agent = await consentSignIn('alice@example.com');
    offset += 2 * HOUR_MS;
    expect(await connection(agent)).toMatchObject({ status: 'needs_reconnect' });
    // Back to the real clock: google-auth-library checks the new ID token's iat against it.
    offset = 0;
    const first = await grantOf('alice@example.com');
    h.emulator.limitAccess({ seconds: 40 * DAY_S });
    await consentSignIn('alice@example.com', agent);
    const renewed = await connection(agent);
    expect(renewed.status).toBe('connected');
    expect(Date.parse(String(renewed.accessEndsAt))).toBeGreaterThan(clock() + 39 * DAY_MS);
    // The renewal's access began with its refresh token: the start moved with the end.
    const row = await grantOf('alice@example.com');
    expect(Number(row.access_starts_at)).toBeGreaterThan(Number(first.access_starts_at));
    expect(Number(row.access_ends_at) - Number(row.access_starts_at)).toBe(40 * DAY_MS);
    await consentSignIn('alice@example.com', agent); // no time limit this time
    expect(await connection(agent)).toMatchObject({ status: 'connected', accessEndsAt: null });
    expect(await grantOf('alice@example.com')).toMatchObject({
      access_ends_at: null,
      access_starts_at: null,
    });
  });
});

describe('the refresh token lifetime read from a token response', () => {
  const parse = (extra: Record<string, unknown>) =>
    refreshTokenLifetime(tokenResponse.parse({ access_token: 'ya29.x', ...extra }));

  it('when a value is not a positive finite number, then it is ignored (the other name may still count)', () => {
    expect(parse({ refresh_token_expires_in: 600 })).toBe(600);
    expect(parse({ refresh_token_timeout: 600 })).toBe(600);
    for (const odd of [0, -5, '600', null, true, { s: 1 }, Infinity, NaN]) {
      expect(parse({ refresh_token_expires_in: odd })).toBeUndefined();
    }
    expect(parse({ refresh_token_expires_in: 'soon', refresh_token_timeout: 60 })).toBe(60);
    expect(parse({})).toBeUndefined();
  });
});
