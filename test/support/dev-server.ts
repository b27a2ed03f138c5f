// `npm run dev` (src/bin/dev.ts) on ports the system picks (0), read back from what it prints.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from './wait.js';

export async function startDev(dataDir: string) {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/dev.ts'], {
    cwd: new URL('../..', import.meta.url),
    env: {
      ...process.env,
      PORT: '0',
      EMULATOR_PORT: '0',
      DATABASE_URL: `file:${join(dataDir, 'app.db')}`,
      BASE_URL: '', // Vitest puts Vite's BASE_URL=/ in process.env; the app reads BASE_URL too
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`dev server exited: ${out}`);
    return /Emulator: +http/.test(out);
  }, 'npm run dev to print its URLs');
  const app = /Sign in: +(http:\/\/[^/\s]+)\/login/.exec(out)?.[1] ?? '';
  const emu = /Emulator: +(http:\/\/[^\s]+)/.exec(out)?.[1] ?? '';
  return { child, app, emu, output: () => out };
}
