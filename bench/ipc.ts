/**
 * A tiny request/response protocol over the IPC channel of a forked benchmark process: the
 * parent asks (codes, memory, CPU time), the child answers. Nothing secret crosses it except
 * one-time emulator codes, which the load client needs anyway.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Usage {
  /** Resident set size, bytes (after a full GC when the process runs with --expose-gc). */
  rss: number;
  /**
   * Of which private (heap, native allocations), from /proc/self/status on Linux; the rest is
   * mapped files (code, the SQLite file), which the OS shares and can drop. null elsewhere.
   */
  rssAnon: number | null;
  heapUsed: number;
  /** CPU time used so far, user + system, µs. */
  cpuMicros: number;
}

type Handler = (message: Record<string, unknown>) => unknown;

interface Envelope {
  id?: number;
  type: string;
  [key: string]: unknown;
}

/** In a child: answers the parent's requests; `usage` is always served. */
export function serveParent(handlers: Record<string, Handler>, ready: Record<string, unknown>) {
  const all: Record<string, Handler> = {
    usage: (m) => currentUsage(m.gc !== false),
    ...handlers,
  };
  const answer = async (raw: Envelope) => {
    const handler = all[raw.type];
    try {
      if (!handler) throw new Error(`unknown request ${raw.type}`);
      process.send?.({ id: raw.id, ok: true, value: await handler(raw) });
    } catch (err) {
      process.send?.({ id: raw.id, ok: false, error: (err as Error).message });
    }
  };
  // answer() catches everything it can; a failing process.send is the parent gone: exit.
  process.on('message', (raw: Envelope) => {
    answer(raw).catch(() => process.exit(1));
  });
  // The parent's exit closes the channel: follow it rather than linger.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', ...ready });
}

export function currentUsage(collect = true): Usage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (collect && gc) {
    gc();
    gc();
  }
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    rss: mem.rss,
    rssAnon: collect ? anonymousRss() : null,
    heapUsed: mem.heapUsed,
    cpuMicros: cpu.user + cpu.system,
  };
}

function anonymousRss(): number | null {
  try {
    const kb = /^RssAnon:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

export interface ChildOptions {
  env?: Record<string, string>;
  /** Where the child's stdout goes (e.g. the app's access log); default: discarded. */
  stdoutFile?: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
}

/** A forked TypeScript module that speaks the protocol above. */
export class BenchChild {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();

  private constructor(
    readonly process: ChildProcess,
    readonly ready: Record<string, unknown>,
  ) {
    process.on('message', (raw: { id?: number; ok?: boolean; value?: unknown; error?: string }) => {
      const waiter = raw.id === undefined ? undefined : this.pending.get(raw.id);
      if (!waiter || raw.id === undefined) return;
      this.pending.delete(raw.id);
      if (raw.ok) waiter.resolve(raw.value);
      else waiter.reject(new Error(raw.error ?? 'child request failed'));
    });
    process.once('exit', (code) => {
      for (const waiter of this.pending.values())
        waiter.reject(new Error(`benchmark child exited (${code})`));
      this.pending.clear();
    });
  }

  static async start(module: string, options: ChildOptions = {}): Promise<BenchChild> {
    const path = fileURLToPath(new URL(module, import.meta.url));
    const out = options.stdoutFile ? openSync(options.stdoutFile, 'w') : 'ignore';
    const child = fork(path, [], {
      execArgv: ['--import', 'tsx', '--expose-gc', ...(options.nodeFlags ?? [])],
      env: { ...process.env, ...options.env },
      stdio: ['ignore', out, 'inherit', 'ipc'],
    });
    if (typeof out === 'number') closeSync(out);
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`${module} exited (${code}) before it was ready`));
      child.once('exit', onExit);
      child.on('message', function onReady(raw: Envelope) {
        if (raw.type !== 'ready') return;
        child.off('message', onReady);
        child.off('exit', onExit);
        resolve(raw);
      });
    });
    return new BenchChild(child, ready);
  }

  get url(): string {
    return String(this.ready.url);
  }

  request<T>(type: string, payload: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.process.send({ id, type, ...payload });
    });
  }

  /** Memory after a full GC, and CPU time so far. */
  usage(): Promise<Usage> {
    return this.request<Usage>('usage');
  }

  /** SIGTERM, then waits for exit (the app closes its database on the way out). */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.process.kill('SIGTERM');
    await exited;
  }
}
