/**
 * Real processes for the multi-instance and crash suites: app instances started as `npm start`
 * starts them (`node --import tsx src/bin/server.ts`, configured by the environment) and HAProxy with
 * deploy/haproxy.cfg. Every port is chosen by the kernel and read back: an instance logs its URL,
 * and HAProxy gets a socket this process bound to port 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import supertest from 'supertest';
import { CLIENT } from '../support/client.js';
import { startListening } from '../support/server-process.js';
import { waitUntil } from '../support/wait-until.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const HAPROXY_CONFIG = fileURLToPath(new URL('../../deploy/haproxy.cfg', import.meta.url));

export interface Instance {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  output(): string;
}

/** The environment of an instance: this database, this emulator, fixed keys shared by all. */
export function instanceEnv(databaseUrl: string, emulatorUrl: string, extra = {}) {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    GOOGLE_CLIENT_ID: CLIENT.clientId,
    GOOGLE_CLIENT_SECRET: CLIENT.clientSecret,
    GOOGLE_EMULATOR_URL: emulatorUrl,
    GOOGLE_TIMEOUT_MS: '10000',
    // Every instance must verify the others' cookies.
    SESSION_SECRET: 'multi-instance-secret-0123456789abcdef',
    // ...and open the Google tokens the others sealed.
    TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
    // Vitest puts Vite's BASE_URL=/ in process.env; the app would read it as its public origin.
    BASE_URL: '',
    // The load signs the same three accounts in hundreds of times and then checks that every
    // session survived; the per-user cap (test/routes/account/account-sessions.test.ts) would end the early ones.
    MAX_SESSIONS_PER_USER: '100000',
    ...extra,
  };
}

/** Starts one app process on `port` (0: any) and waits until it serves /readyz. */
export async function startInstance(env: Record<string, string>, port = 0): Promise<Instance> {
  const server = await startListening(process.execPath, ['--import', 'tsx', 'src/bin/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'info' },
  });
  const { url, child } = server;
  const exited = server.exited.then(([code]) => code);
  await waitUntil('the instance to be ready', async () => {
    const res = await supertest(url)
      .get('/readyz')
      .catch(() => undefined);
    return res?.status === 200;
  });
  return { url, port: Number(new URL(url).port), child, exited, output: () => server.output() };
}

export async function stopInstance(
  instance: Instance,
  signal: NodeJS.Signals,
): Promise<number | null> {
  if (instance.child.exitCode === null && instance.child.signalCode === null) {
    instance.child.kill(signal);
  }
  return instance.exited;
}

export interface LoadBalancer {
  readonly url: string;
  stop(): Promise<void>;
}

/** HAProxy with deploy/haproxy.cfg in front of `instances`, listening on a socket bound here. */
export async function startHaproxy(instances: Instance[]): Promise<LoadBalancer> {
  const listener = createServer();
  // Bound and listening, but this process never accepts: HAProxy inherits the socket as fd 3.
  listener.listen({ port: 0, host: '127.0.0.1', backlog: 511 });
  await once(listener, 'listening');
  const { port } = listener.address() as AddressInfo;
  const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
  const [app1, app2, app3] = instances.map((i) => `127.0.0.1:${i.port}`);
  const child = spawn('haproxy', ['-db', '-f', HAPROXY_CONFIG], {
    env: { ...process.env, LB_BIND: 'fd@3', APP1: app1!, APP2: app2!, APP3: app3! },
    stdio: ['ignore', 'pipe', 'pipe', fd],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = once(child, 'exit');
  listener.close();
  const url = `http://127.0.0.1:${port}`;
  await waitUntil('HAProxy to route to a ready instance', async () => {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${out}`);
    const res = await supertest(url)
      .get('/readyz')
      .catch(() => undefined);
    return res?.status === 200;
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
