/**
 * A server in a process of its own (`npm start`, the compiled server, the example host app),
 * started as a user starts it and found by the URL it logs: every port is the kernel's choice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { waitUntil } from './wait-until.js';

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code and signal once the process is gone. */
  readonly exited: Promise<[number | null, string | null]>;
  /** What it printed so far (stdout and stderr, the last 20 000 characters). */
  output(): string;
  /** SIGKILL if it still runs (a test's finally). */
  kill(): void;
}

/**
 * Spawns `command args` in `cwd` with `env` alone (add `...process.env` to inherit) and waits
 * until it logs `listening on http://…`; fails with its output if it exits first.
 */
export async function startListening(
  command: string,
  args: string[],
  options: { cwd: string | URL; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<ServerProcess> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const append = (chunk: Buffer) => (out = (out + chunk.toString()).slice(-20_000));
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const url = await waitUntil(
      `${command} ${args.join(' ')} to listen`,
      () => {
        if (child.exitCode !== null) throw new Error(`it exited: ${out}`);
        return /listening on (http:\/\/[^"\s]+)/.exec(out)?.[1];
      },
      { timeoutMs: options.timeoutMs ?? 60_000 },
    );
    return { url, child, exited, output: () => out, kill };
  } catch (err) {
    kill();
    throw err;
  }
}
