/**
 * Cross-Account Protection over real HTTP: the emulator signs Security Event Tokens and pushes
 * them to the app's POST /risc, as Google does once the receiver is registered.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNTS, type TestAccount } from '../../../emulator/server/accounts.js';
import { updateStream } from '../../../src/risc/register-receiver.js';
import type { Harness } from '../../support/harness.js';
import { devTokenKeys } from '../../../src/grants/dev-token-keys.js';
import { createTokenCipher } from '../../../src/grants/token-cipher.js';
import { signIn, signInOk } from '../../support/sign-in.js';
import { useHarness } from '../../support/use-harness.js';
import {
  ClockAhead,
  emitEvent,
  loggedEvents as countLogged,
  registerReceiver,
  serviceAccount as riscServiceAccount,
  signedInAs,
} from '../../support/risc.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.org';

let h: Harness;
let db: ReturnType<typeof useHarness>['db'];
let ahead: ClockAhead;
/**
 * Accounts for the tests that run the app's clock ahead of Google's: a revocation they record
 * reaches up to the end of the event's second of Google's time, so it would also end a sign-in
 * the next test makes in that second with the same account. No other test signs these in.
 */
const FRANK = 'frank@example.com';
/** Accounts whose Google state (kept by sub, beyond the user) one test sets: no other test uses them. */
const GRACE = 'grace@example.com';
const HEIDI = 'heidi@example.com';
const IVAN = 'ivan@example.com';
/** Accounts of the tests that revoke sessions or ask for a credential change: a revocation reaches to the end of its second, so an account another test signs in with could be refused by it. */
const KAREN = 'karen@example.com';
const LIAM = 'liam@example.com';
const MIA = 'mia@example.com';
const NOAH = 'noah@example.com';
const OLIVIA = 'olivia@example.com';
const clockAheadAccount = (sub: string, email: string, name: string): TestAccount => ({
  sub,
  email,
  emailVerified: true,
  name,
  givenName: name,
  familyName: 'Example',
  picture: `/avatars/${sub}.svg`,
});

useHarness(
  {
    emulatorOptions: {
      accounts: [
        ...DEFAULT_ACCOUNTS,
        clockAheadAccount('109900000000000000002', FRANK, 'Frank'),
        clockAheadAccount('109900000000000000003', GRACE, 'Grace'),
        clockAheadAccount('109900000000000000004', HEIDI, 'Heidi'),
        clockAheadAccount('109900000000000000005', IVAN, 'Ivan'),
        clockAheadAccount('109900000000000000006', KAREN, 'Karen'),
        clockAheadAccount('109900000000000000007', LIAM, 'Liam'),
        clockAheadAccount('109900000000000000008', MIA, 'Mia'),
        clockAheadAccount('109900000000000000009', NOAH, 'Noah'),
        clockAheadAccount('109900000000000000010', OLIVIA, 'Olivia'),
      ],
    },
  },
  (s) => {
    ({ h, db } = s);
    ahead = new ClockAhead((ms) => s.advanceClock(ms));
  },
);

const serviceAccount = () => riscServiceAccount(h);
const register = () => registerReceiver(h);
const emit = (event: Record<string, unknown>) => emitEvent(h, event);
const loggedEvents = (message: string) => countLogged(h, message);
function pastRefetchRation(): void {
  ahead.pastRefetchRation();
}
afterEach(() => ahead.reset());

function userIdOf(email: string): number {
  const user = h.userRows().find((u) => u.email === email);
  if (!user) throw new Error(`no user ${email}`);
  return user.id;
}

function grantCount(userId: number): number {
  const row = db.prepare('SELECT count(*) AS n FROM google_grants WHERE user_id = ?').get(userId);
  return (row as { n: number }).n;
}

beforeEach(register);

describe('when a valid security event arrives', () => {
  it('then sessions-revoked signs the user out on every device, and a later sign-in stays', async () => {
    const laptop = h.client();
    const phone = h.client();
    const other = h.client();
    await signInOk(h, laptop, KAREN);
    await signInOk(h, phone, KAREN);
    await signInOk(h, other, BOB);

    expect(await emit({ type: 'sessions-revoked', account: KAREN })).toEqual({ statuses: [202] });

    expect(await signedInAs(laptop)).toBeUndefined();
    expect(await signedInAs(phone)).toBeUndefined();
    expect(await signedInAs(other)).toBe(BOB);
    await signInOk(h, laptop, KAREN);
    expect(await signedInAs(laptop)).toBe(KAREN);
  });

  it('then tokens-revoked deletes the stored Google grant and ends the sessions too', async () => {
    const agent = h.client();
    await signInOk(h, agent, ALICE);
    const grants = () =>
      db
        .prepare(
          'SELECT count(*) AS n FROM google_grants g JOIN users u ON u.id = g.user_id WHERE u.email = ?',
        )
        .get(ALICE) as { n: number };
    expect(grants().n).toBe(1);
    await emit({ type: 'tokens-revoked', account: ALICE });
    expect(await signedInAs(agent)).toBeUndefined();
    expect(grants().n).toBe(0);
    const logged = db
      .prepare(
        `SELECT l.detail FROM security_log l JOIN users u ON u.id = l.user_id
         WHERE u.email = ? AND l.kind = 'google-event' ORDER BY l.id DESC LIMIT 1`,
      )
      .get(ALICE) as { detail: string } | undefined;
    expect(logged?.detail).toBe('tokens-revoked');
  });

  describe('token-revoked', () => {
    const DAVE = 'dave.unverified@example.net';

    /** Signs DAVE in with a fresh consent (a new refresh token) and returns that token. */
    async function signInWithRefreshToken(agent: ReturnType<Harness['client']>): Promise<string> {
      expect((await signIn(h, agent, DAVE, { prompt: 'consent' })).status).toBe(200);
      const row = grantOf(DAVE);
      if (!row?.refresh_token) throw new Error('no refresh token stored');
      const cipher = createTokenCipher(devTokenKeys(h.config.dataDir));
      return cipher.open(row.refresh_token, { userId: row.user_id, column: 'refresh_token' });
    }

    function grantOf(email: string) {
      return db
        .prepare(
          `SELECT g.user_id, g.refresh_token, g.refresh_prefix_mac, g.refresh_hash_mac
           FROM google_grants g JOIN users u ON u.id = g.user_id WHERE u.email = ?`,
        )
        .get(email) as
        | {
            user_id: number;
            refresh_token: string | null;
            refresh_prefix_mac: string | null;
            refresh_hash_mac: string | null;
          }
        | undefined;
    }

    it.each(['hash_base64_sha512_sha512', 'prefix'] as const)(
      'then a token-revoked naming the stored refresh token by %s deletes that grant, and the sessions stay',
      async (alg) => {
        const agent = h.client();
        const token = await signInWithRefreshToken(agent);
        const stored = grantOf(DAVE)!;
        // Only keyed hashes are stored, never the identifiers themselves.
        expect(stored.refresh_prefix_mac).toMatch(/^[\w-]{43}$/);
        expect(stored.refresh_prefix_mac).not.toBe(token.slice(0, 16));
        expect(stored.refresh_hash_mac).toMatch(/^[\w-]{43}$/);

        // Another token (another prefix, another hash) matches nothing.
        await emit({ type: 'token-revoked', token: `x${token}`, tokenIdentifierAlg: alg });
        expect(grantOf(DAVE)).toBeDefined();
        await emit({ type: 'token-revoked', token, tokenIdentifierAlg: alg });
        expect(grantOf(DAVE)).toBeUndefined();
        expect(await signedInAs(agent)).toBe(DAVE);
      },
    );
  });

  it('then tokens-revoked deletes the stored Google grant, with no call to Google', async () => {
    await signInOk(h, h.client(), ALICE);
    const userId = userIdOf(ALICE);
    expect(grantCount(userId)).toBe(1);

    await emit({ type: 'tokens-revoked', account: ALICE });

    expect(grantCount(userId)).toBe(0);
    expect(h.emulator.calls('revoke')).toHaveLength(0);
  });

  it('then tokens-revoked keeps a grant stored after Google revoked, and sessions-revoked keeps the grant', async () => {
    await signInOk(h, h.client(), FRANK);
    const userId = userIdOf(FRANK);
    await emit({ type: 'sessions-revoked', account: FRANK });
    expect(grantCount(userId)).toBe(1);

    // A sign-in after the revocation (the app's clock ahead of the token's iat): its grant is new.
    ahead.advance(60_000);
    const agent = h.client();
    await signInOk(h, agent, FRANK);
    await emit({ type: 'tokens-revoked', account: FRANK });
    expect(grantCount(userId)).toBe(1);
    expect(await signedInAs(agent)).toBe(FRANK);
  });

  it('then account-disabled for hijacking ends the sessions and refuses sign-in until account-enabled', async () => {
    const agent = h.client();
    await signInOk(h, agent, ALICE);
    try {
      await emit({ type: 'account-disabled', account: ALICE, reason: 'hijacking' });
      expect(await signedInAs(agent)).toBeUndefined();
      await expect(signInOk(h, h.client(), ALICE)).rejects.toThrow(/403/);
    } finally {
      await emit({ type: 'account-enabled', account: ALICE });
    }
    await signInOk(h, agent, ALICE);
    expect(await signedInAs(agent)).toBe(ALICE);
  });

  it('then account-disabled for another reason keeps sessions but refuses new sign-ins', async () => {
    const agent = h.client();
    await signInOk(h, agent, BOB);
    try {
      await emit({ type: 'account-disabled', account: BOB, reason: 'bulk-account' });
      expect(await signedInAs(agent)).toBe(BOB);
      await expect(signInOk(h, h.client(), BOB)).rejects.toThrow(/403/);
    } finally {
      await emit({ type: 'account-enabled', account: BOB });
    }
    await signInOk(h, h.client(), BOB);
  });

  it('then an account-enabled Google issued before an account-disabled, delivered after it, changes nothing', async () => {
    await signInOk(h, h.client(), IVAN);
    // In Google's order: disabled at t, then an enabled of t - 60 s arrives late.
    const t = Math.floor(Date.now() / 1000) - 600;
    try {
      await emit({ type: 'account-disabled', account: IVAN, reason: 'bulk-account', issuedAt: t });
      expect(await emit({ type: 'account-enabled', account: IVAN, issuedAt: t - 60 })).toEqual({
        statuses: [202],
      });
      await expect(signInOk(h, h.client(), IVAN)).rejects.toThrow(/403/);
    } finally {
      await emit({ type: 'account-enabled', account: IVAN, issuedAt: t + 60 });
    }
    await signInOk(h, h.client(), IVAN);
    // ...and an account-disabled older than that enabled, delivered last, changes nothing either.
    await emit({
      type: 'account-disabled',
      account: IVAN,
      reason: 'bulk-account',
      issuedAt: t + 30,
    });
    await signInOk(h, h.client(), IVAN);
  });

  it('then an account Google disabled, deleted by whoever is still signed in, cannot sign straight back in', async () => {
    const hijacker = h.client();
    await signInOk(h, hijacker, GRACE);
    // Not for hijacking: the session stays, and deletes the account.
    await emit({ type: 'account-disabled', account: GRACE, reason: 'bulk-account' });
    await hijacker
      .post('/account/delete')
      .set('Accept', 'application/json')
      .send({ confirm: true })
      .expect(200);
    expect(h.userRows().some((u) => u.email === GRACE)).toBe(false);
    await expect(signInOk(h, h.client(), GRACE)).rejects.toThrow(/403/);
    expect(h.userRows().some((u) => u.email === GRACE)).toBe(false);
  });

  it('then an account-disabled for an account deleted before it arrived still refuses its sign-in', async () => {
    const agent = h.client();
    await signInOk(h, agent, HEIDI);
    await agent.post('/account/delete').set('Accept', 'application/json').send({ confirm: true });
    expect(await emit({ type: 'account-disabled', account: HEIDI, reason: 'hijacking' })).toEqual({
      statuses: [202],
    });
    await expect(signInOk(h, h.client(), HEIDI)).rejects.toThrow(/403/);
  });

  it('then account-credential-change-required is recorded for the account page', async () => {
    await signInOk(h, h.client(), LIAM);
    await emit({ type: 'account-credential-change-required', account: LIAM });
    const row = db
      .prepare(
        `SELECT credential_change_required_at AS at FROM account_security
         JOIN users ON users.id = account_security.user_id WHERE users.email = ?`,
      )
      .get(LIAM) as { at: number | null } | undefined;
    expect(row?.at).toBeGreaterThan(0);
  });

  it('then a verification event is logged with its state', async () => {
    await emit({ type: 'verification', state: 'state-1234' });
    expect(
      h.logs.some((l) => l.includes('RISC verification event') && l.includes('state-1234')),
    ).toBe(true);
  });

  it('then an event for an unknown Google account is accepted and changes nothing', async () => {
    const agent = h.client();
    await signInOk(h, agent, ALICE);
    await emit({ type: 'sessions-revoked', account: 'carol@example.com' });
    expect(await signedInAs(agent)).toBe(ALICE);
  });
});

describe('when the same event is delivered twice', () => {
  it('then both answers are 202 and it acts once', async () => {
    await signInOk(h, h.client(), MIA);
    const before = loggedEvents('RISC event applied');
    expect(await emit({ type: 'sessions-revoked', account: MIA, twice: true })).toEqual({
      statuses: [202, 202],
    });
    expect(loggedEvents('RISC event applied') - before).toBe(1);
  });
});

describe('when the token is not a valid security event', () => {
  const refusals: [string, Record<string, unknown>, string][] = [
    ['a bad signature', { badSignature: true }, 'invalid_key'],
    ['a key Google does not publish', { unknownKey: true }, 'invalid_key'],
    ['alg none', { unsigned: true }, 'invalid_key'],
    ['another audience', { audience: 'other.apps.googleusercontent.com' }, 'invalid_audience'],
    ['another issuer', { issuer: 'https://evil.example/' }, 'invalid_issuer'],
  ];
  for (const [name, fault, code] of refusals) {
    it(`then ${name} gives 400 ${code} and nothing changes`, async () => {
      const agent = h.client();
      await signInOk(h, agent, NOAH);
      const events = db.prepare('SELECT count(*) AS n FROM security_events').get() as { n: number };
      expect(await emit({ type: 'sessions-revoked', account: NOAH, ...fault })).toEqual({
        statuses: [400],
      });
      expect(await signedInAs(agent)).toBe(NOAH);
      expect(db.prepare('SELECT count(*) AS n FROM security_events').get()).toEqual(events);
      expect(h.logs.some((l) => l.includes('RISC event refused') && l.includes(code))).toBe(true);
    });
  }

  it('then a flood of unknown kids costs one refetch of the keys a minute', async () => {
    await emit({ type: 'verification', state: 'warm' });
    pastRefetchRation();
    h.emulator.resetCalls();
    for (let i = 0; i < 3; i++) {
      expect(await emit({ type: 'sessions-revoked', account: OLIVIA, unknownKey: true })).toEqual({
        statuses: [400],
      });
    }
    expect(h.emulator.calls('certs')).toHaveLength(1);
  });

  it.each([
    ['garbage', 'application/secevent+jwt', 'not a jwt'],
    ['an empty body', 'application/secevent+jwt', ''],
    ['JSON', 'application/json', '{"events":{}}'],
  ])('then %s gives 400', async (_name, type, body) => {
    const res = await fetch(`${h.url}/risc`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { err: string }).err).toBe('invalid_request');
  });

  it('then a body over 8 KiB gives 413', async () => {
    const res = await fetch(`${h.url}/risc`, {
      method: 'POST',
      headers: { 'content-type': 'application/secevent+jwt' },
      body: 'a'.repeat(9 * 1024),
    });
    expect(res.status).toBe(413);
  });
});

describe('npm run risc:register', () => {
  it('then it registers the receiver with a service-account key and Google sends a verification event', async () => {
    const keyFile = join(h.dataDir, 'service-account.json');
    writeFileSync(keyFile, JSON.stringify(await serviceAccount()));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/bin/risc-register.ts',
        '--key-file',
        keyFile,
        '--receiver-url',
        `${h.url}/risc`,
      ],
      {
        env: { ...process.env, GOOGLE_EMULATOR_URL: h.emulator.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, out).toBe(0);
    expect(out).toContain('status: {"status":"enabled"}');
    const state = /state ([0-9a-f]{16})/.exec(out)?.[1];
    expect(state).toBeDefined();
    expect(h.logs.some((l) => l.includes('RISC verification event') && l.includes(state!))).toBe(
      true,
    );
  });

  it('then a key the emulator never issued is refused', async () => {
    const key = await serviceAccount();
    const forged = { ...key, client_email: 'someone-else@emulator.iam.gserviceaccount.com' };
    await expect(
      updateStream({ key: forged, apiBase: h.emulator.url, timeoutMs: 5000 }, `${h.url}/risc`),
    ).rejects.toThrow(/401/);
  });
});
