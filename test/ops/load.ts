/**
 * Sign-in load for the multi-instance and crash suites: workers signing in over and over, each
 * sign-in a fresh client (GET /login as JSON, then the code posted), until told to stop.
 */
import supertest from 'supertest';
import type { Emulator } from '../../emulator/server/emulator.js';
import { CLIENT } from '../support/client.js';

export type Agent = ReturnType<typeof supertest.agent>;

export const ACCOUNTS = ['alice@example.com', 'bob@example.org', 'carol@example.com'];

/** A client with its own cookie jar, seen by the app as coming from `address` (X-Forwarded-For). */
export function clientAt(url: string, address: string): Agent {
  return supertest.agent(url).set('X-Forwarded-For', address);
}

/** One popup-flow sign-in; the response, or the error of a request that got none. */
export async function signInOnce(
  emulator: Emulator,
  agent: Agent,
  account: string,
): Promise<supertest.Response> {
  const login = await agent.get('/login').set('Accept', 'application/json');
  if (login.status !== 200) return login;
  const { state } = login.body as { state: string };
  const code = emulator.issueCode({ account, clientId: CLIENT.clientId });
  return agent.post(`/gconnect?state=${state}`).type('application/octet-stream').send(code);
}

export interface Welcome {
  agent: Agent;
  account: string;
}

export interface Load {
  readonly welcomed: Welcome[];
  /** Every request that did not get its expected answer, described. */
  readonly failures: string[];
  /** Stops the workers and waits for their last sign-ins. */
  stop(): Promise<void>;
}

/**
 * `workers` loops of sign-in then GET /me through `url`, from `address` (one for all, or one
 * per worker: several people behind one address may have only RATE_LIMIT_PER_MINUTE sign-ins in
 * flight at once). `check` decides what a failure is:
 * in the rolling-restart test every answer must be right; with kill -9, requests in flight at the
 * killed instance may fail, but every welcome must stand.
 */
export function startLoad(
  emulator: Emulator,
  url: string,
  workers: number,
  address: string | readonly string[],
): Load {
  const welcomed: Welcome[] = [];
  const failures: string[] = [];
  let stopping = false;
  const worker = async (n: number) => {
    for (let i = 0; !stopping; i++) {
      const account = ACCOUNTS[(n + i) % ACCOUNTS.length]!;
      const agent = clientAt(url, typeof address === 'string' ? address : address[n]!);
      try {
        const res = await signInOnce(emulator, agent, account);
        if (res.status !== 200) {
          failures.push(`sign-in ${res.status} ${res.text.slice(0, 100)}`);
          continue;
        }
        welcomed.push({ agent, account });
        const me = await agent.get('/me');
        if (me.status !== 200) failures.push(`/me ${me.status}`);
      } catch (err) {
        failures.push(`no response: ${(err as Error).message}`);
      }
    }
  };
  const running = Promise.all(Array.from({ length: workers }, (_, n) => worker(n)));
  return {
    welcomed,
    failures,
    async stop() {
      stopping = true;
      await running;
    },
  };
}

/** The welcomed clients that are no longer signed in as their account (their server's URL kept). */
export async function lostSignIns(welcomed: Welcome[]): Promise<string[]> {
  const lost: string[] = [];
  for (const { agent, account } of welcomed) {
    const me = await agent.get('/me');
    const email = (me.body as { email?: string }).email;
    if (me.status !== 200 || email !== account) lost.push(`${account}: ${me.status}`);
  }
  return lost;
}
