import Database from 'better-sqlite3';
import pg from 'pg';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT } from '../support/client.js';
import { startHarness, type Agent, type Harness } from '../support/harness.js';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { ENGINES, type EngineName } from '../support/storage-engines.js';
import { getState, redirectSignIn, signInOk } from '../support/sign-in.js';
import { waitUntil } from '../support/wait-until.js';

/**
 * The statement budget (issue 23): the SQL statements and transactions one request costs, per
 * flow and engine, counted at the driver (better-sqlite3's statements, pg's Client#query), never
 * timed. Exact: a feature that adds a statement, or a change that removes one, changes this table
 * in the same commit, visibly.
 *
 * `transactions` counts commits: an explicit BEGIN…COMMIT is one, and so is every statement run
 * outside one (its own implicit transaction). Transaction control (BEGIN, COMMIT, SAVEPOINT…) is
 * not a statement here. `roundTrips` counts everything sent, transaction control included: on
 * PostgreSQL each is a round trip to the server (node-postgres does not pipeline); on SQLite,
 * in-process, it is the calls into the library.
 */
interface Cost {
  statements: number;
  transactions: number;
  roundTrips: number;
}

type Flow =
  | 'popup sign-in (POST /gconnect)'
  | 'redirect sign-in (GET /auth/google/callback)'
  | 'button sign-in (POST /auth/google/credential)'
  | 'first GET / after a sign-in (shows and clears its flash)'
  | 'signed-in GET /'
  | 'signed-in GET /me'
  | 'anonymous GET /login';

const BUDGET: Record<EngineName, Record<Flow, Cost>> = {
  // The sign-ins: the session read, the state (and the button's nonce and jti) spent, each its
  // own commit, and the disabled-account check; then ONE transaction (issue 23: was 6 on SQLite,
  // 6 statements and round trips on PostgreSQL) holding the user upsert, the grant (not for the
  // button: no tokens), the old session deleted and the new one stored, the session cap, the
  // security log's entry and trim: on SQLite 7 statements (6 for the button), on PostgreSQL the
  // upsert and one statement of CTEs for the rest, in BEGIN, 2 queries, COMMIT (src/storage/
  // {sqlite,pg}/sign-in-writes.ts). express-session's save as the response ends writes nothing.
  // Page views: one statement, the session read with its account's revocation time and its user
  // row (issue 23: was 2, the user read on its own); a write only when the session changed (the
  // first GET / clears the sign-in's flash: 2).
  sqlite: {
    // Before: 10 statements in 9 transactions (12 calls), 11 in 10 for the button.
    'popup sign-in (POST /gconnect)': { statements: 10, transactions: 4, roundTrips: 12 },
    'redirect sign-in (GET /auth/google/callback)': {
      statements: 10,
      transactions: 4,
      roundTrips: 12,
    },
    'button sign-in (POST /auth/google/credential)': {
      statements: 11,
      transactions: 6,
      roundTrips: 13,
    },
    'first GET / after a sign-in (shows and clears its flash)': {
      statements: 2,
      transactions: 2,
      roundTrips: 2,
    },
    'signed-in GET /': { statements: 1, transactions: 1, roundTrips: 1 },
    'signed-in GET /me': { statements: 1, transactions: 1, roundTrips: 1 },
    'anonymous GET /login': { statements: 1, transactions: 1, roundTrips: 1 },
  },
  postgres: {
    // Before: 9 statements in 9 transactions (9 round trips), 10 for the button.
    'popup sign-in (POST /gconnect)': { statements: 5, transactions: 4, roundTrips: 7 },
    'redirect sign-in (GET /auth/google/callback)': {
      statements: 5,
      transactions: 4,
      roundTrips: 7,
    },
    'button sign-in (POST /auth/google/credential)': {
      statements: 7,
      transactions: 6,
      roundTrips: 9,
    },
    'first GET / after a sign-in (shows and clears its flash)': {
      statements: 2,
      transactions: 2,
      roundTrips: 2,
    },
    'signed-in GET /': { statements: 1, transactions: 1, roundTrips: 1 },
    'signed-in GET /me': { statements: 1, transactions: 1, roundTrips: 1 },
    'anonymous GET /login': { statements: 1, transactions: 1, roundTrips: 1 },
  },
};

const CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START\s+TRANSACTION|END)\b/i;
const OPENS = /^\s*(BEGIN|START\s+TRANSACTION)\b/i;

/** Counts what one connection (SQLite) or one database (pg) runs, between reset() and read(). */
interface Counter {
  reset(): void;
  /** True once a statement matching `sql` ran since the counter was made (resets aside). */
  seen(sql: RegExp): boolean;
  read(): Cost;
  restore(): void;
}

/** One tally: a statement inside an open transaction, or one that is its own. */
function tally() {
  let cost: Cost = { statements: 0, transactions: 0, roundTrips: 0 };
  const ran: string[] = [];
  return {
    add(sql: string, inTransaction: boolean) {
      ran.push(sql);
      // To see which statements a flow runs: STATEMENT_BUDGET_LOG=1 npx vitest run <this file>.
      if (process.env.STATEMENT_BUDGET_LOG) console.log(sql.replace(/\s+/g, ' ').slice(0, 160));
      cost.roundTrips++;
      if (OPENS.test(sql)) cost.transactions++;
      else if (!CONTROL.test(sql)) {
        cost.statements++;
        if (!inTransaction) cost.transactions++;
      }
    },
    reset: () => (cost = { statements: 0, transactions: 0, roundTrips: 0 }),
    read: () => ({ ...cost }),
    seen: (sql: RegExp) => ran.some((s) => sql.test(s)),
  };
}

/**
 * Wraps run/get/all/iterate of every better-sqlite3 statement (BEGIN and COMMIT of
 * db.transaction() are statements too) and Database#exec, counting those of `db` alone.
 */
function countSqlite(db: Database.Database): Counter {
  const t = tally();
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, unknown>;
  probe.close();
  const dbProto = Database.prototype as unknown as Record<string, unknown>;
  const saved = new Map<Record<string, unknown>, Record<string, unknown>>([
    [proto, {}],
    [dbProto, {}],
  ]);
  const wrap = (target: Record<string, unknown>, name: string, sqlOf: (self: never) => string) => {
    const original = target[name] as (...args: unknown[]) => unknown;
    saved.get(target)![name] = original;
    target[name] = function (this: { database?: unknown }, ...args: unknown[]) {
      const self = (this.database ?? this) as unknown;
      // inTransaction before the statement: BEGIN itself runs outside, COMMIT inside.
      if (self === db) t.add(sqlOf(this as never), db.inTransaction);
      return original.apply(this, args);
    };
  };
  for (const name of ['run', 'get', 'all', 'iterate'])
    wrap(proto, name, (s: { source: string }) => s.source);
  const exec = dbProto.exec as (sql: string) => unknown;
  saved.get(dbProto)!.exec = exec;
  dbProto.exec = function (this: Database.Database, sql: string) {
    if (this === db) t.add(sql, db.inTransaction);
    return exec.call(this, sql);
  };
  return {
    reset: t.reset,
    seen: t.seen,
    read: t.read,
    restore() {
      for (const [target, methods] of saved) Object.assign(target, methods);
    },
  };
}

/** Wraps pg's Client#query (Pool#query goes through it), counting the queries on `database`. */
function countPg(database: string): Counter {
  const t = tally();
  const proto = pg.Client.prototype as unknown as Record<string, unknown>;
  const original = proto.query as (...args: unknown[]) => unknown;
  const open = new WeakSet<object>();
  proto.query = function (
    this: { connectionParameters: { database: string } },
    ...args: unknown[]
  ) {
    if (this.connectionParameters.database === database) {
      const first = args[0];
      const sql = typeof first === 'string' ? first : ((first as { text?: string }).text ?? '');
      t.add(sql, open.has(this));
      if (OPENS.test(sql)) open.add(this);
      else if (/^\s*(COMMIT|ROLLBACK|END)\b/i.test(sql)) open.delete(this);
    }
    return original.apply(this, args);
  };
  return {
    reset: t.reset,
    seen: t.seen,
    read: t.read,
    restore() {
      proto.query = original;
    },
  };
}

/** Accounts no other sign-in of the file uses (each flow signs a new user in). */
const ACCOUNTS = Array.from({ length: 20 }, (_, i) => ({
  sub: String(300000000000000000000n + BigInt(i)),
  email: `budget${i}@example.com`,
  emailVerified: true,
  name: `Budget ${i}`,
  givenName: 'Budget',
  familyName: String(i),
  picture: '/avatars/none.svg',
}));
let next = 0;
function freshAccount(): string {
  const account = ACCOUNTS[next++];
  if (!account) throw new Error('add accounts to ACCOUNTS');
  return account.email;
}

describe.each(ENGINES)('the statement budget on %s', (engine) => {
  const ctx = useCountedHarness(engine);

  /** The cost of `request` alone (its setup ran before the reset). */
  async function costOf(request: () => Promise<unknown>): Promise<Cost> {
    ctx.counter.reset();
    await request();
    return ctx.counter.read();
  }

  async function signedInAgent(): Promise<Agent> {
    const agent = ctx.h.client();
    await signInOk(ctx.h, agent, freshAccount());
    return agent;
  }

  const flows: Record<Flow, () => Promise<Cost>> = {
    'popup sign-in (POST /gconnect)': () => popupSignInCost(ctx),
    async 'redirect sign-in (GET /auth/google/callback)'() {
      // redirectSignIn's last request is the callback: count from the code's issue on.
      const agent = ctx.h.client();
      const account = freshAccount();
      const issue = ctx.h.emulator.issueCode.bind(ctx.h.emulator);
      const res = await redirectSignIn(
        {
          emulator: Object.assign(Object.create(ctx.h.emulator) as typeof ctx.h.emulator, {
            issueCode: (...args: Parameters<typeof issue>) => {
              const code = issue(...args);
              ctx.counter.reset();
              return code;
            },
          }),
        },
        agent,
        account,
      );
      const cost = ctx.counter.read();
      expect(res.status, res.text).toBe(303);
      return cost;
    },
    async 'button sign-in (POST /auth/google/credential)'() {
      const agent = ctx.h.client();
      const res = await agent.get('/login').set('Accept', 'application/json').expect(200);
      const { state, nonce } = res.body as { state: string; nonce: string };
      const credential = await ctx.h.emulator.issueCredential({
        account: freshAccount(),
        clientId: CLIENT.clientId,
        nonce,
      });
      return costOf(() =>
        agent
          .post(`/auth/google/credential?state=${encodeURIComponent(state)}`)
          .set('Accept', 'application/json')
          .send({ credential, select_by: 'btn' })
          .expect(200),
      );
    },
    async 'first GET / after a sign-in (shows and clears its flash)'() {
      const agent = await signedInAgent();
      return costOf(() => agent.get('/').expect(200));
    },
    async 'signed-in GET /'() {
      const agent = await signedInAgent();
      await agent.get('/').expect(200); // the sign-in's flash, shown once
      return costOf(() => agent.get('/').expect(200));
    },
    async 'signed-in GET /me'() {
      const agent = await signedInAgent();
      await agent.get('/').expect(200);
      return costOf(() => agent.get('/me').expect(200));
    },
    async 'anonymous GET /login'() {
      return costOf(() =>
        supertest(ctx.h.url).get('/login').set('Accept', 'text/html').expect(200),
      );
    },
  };

  it.each(Object.keys(flows) as Flow[])('%s costs exactly its budget', async (flow) => {
    const cost = await flows[flow]();
    if (process.env.STATEMENT_BUDGET_LOG)
      console.log(`== ${engine} ${flow}: ${JSON.stringify(cost)}`);
    expect(cost).toEqual(BUDGET[engine][flow]);
  });
});

/**
 * With the failed-sign-in limit on (RATE_LIMIT_PER_MINUTE, 30 by default; the harness turns it
 * off elsewhere): the attempt reserved before Google is its own commit (it must hold while Google
 * is asked), and a successful sign-in gives it back inside its one transaction: one statement
 * more on SQLite, a CTE more on PostgreSQL, never a commit of its own after the answer.
 */
const LIMITED_BUDGET: Record<EngineName, Cost> = {
  // Before: the give-back was a commit of its own once the response had finished (12 in 6).
  sqlite: { statements: 12, transactions: 5, roundTrips: 14 },
  postgres: { statements: 6, transactions: 5, roundTrips: 8 },
};

describe.each(ENGINES)('the statement budget with the failed-sign-in limit on, on %s', (engine) => {
  const ctx = useCountedHarness(engine, { RATE_LIMIT_PER_MINUTE: '30' });

  it('a popup sign-in costs exactly its budget, its attempt given back in its transaction', async () => {
    expect(await popupSignInCost(ctx)).toEqual(LIMITED_BUDGET[engine]);
  });
});

/** The harness and the counter on its database, made and ended by the enclosing describe. */
interface Counted {
  h: Harness;
  counter: Counter;
}

function useCountedHarness(engine: EngineName, env: Record<string, string> = {}): Counted {
  const ctx = {} as Counted;
  let pgDb: TestDatabase | undefined;
  beforeAll(async () => {
    if (engine === 'postgres') pgDb = await createTestDatabase();
    // PostgreSQL: counted from before the app starts, so that its startup prune (a chain of
    // DELETEs, one round trip each, not awaited by the start) is seen to end before any flow.
    if (pgDb) ctx.counter = countPg(/\/(\w+)(\?|$)/.exec(pgDb.url)![1]!);
    ctx.h = await startHarness({
      emulatorOptions: { accounts: ACCOUNTS },
      env: { ...env, ...(pgDb ? { DATABASE_URL: pgDb.url } : {}) },
    });
    // SQLite's prune is synchronous statements: done before the start resolves.
    ctx.counter ??= countSqlite(ctx.h.appDb);
    if (pgDb) {
      await waitUntil('the startup prune', () =>
        ctx.counter.seen(/DELETE FROM security_events WHERE expires_at/),
      );
    }
    // A first sign-in: nothing measured is the very first of its kind.
    await signInOk(ctx.h, ctx.h.client(), freshAccount());
  });

  afterAll(async () => {
    ctx.counter?.restore();
    await ctx.h?.close();
    await pgDb?.drop();
  });
  return ctx;
}

/** A popup sign-in's cost: the POST /gconnect alone (its GET /login and code come first). */
async function popupSignInCost({ h, counter }: Counted): Promise<Cost> {
  const agent = h.client();
  const state = await getState(agent);
  const code = h.emulator.issueCode({ account: freshAccount(), clientId: CLIENT.clientId });
  counter.reset();
  await agent
    .post(`/gconnect?state=${encodeURIComponent(state)}`)
    .type('application/octet-stream')
    .send(code)
    .expect(200);
  return counter.read();
}
