/**
 * A throwaway PostgreSQL cluster for the tests and the benchmark: initdb into a temp folder,
 * started with fsync off (a killed server loses nothing the OS already has; synchronous_commit stays on, so a
 * commit a client saw survives `pg_ctl -m immediate stop`), reachable only through a Unix socket in that folder (no TCP port, so no port can be
 * taken by someone else between choosing and binding it), stopped and deleted at the end.
 * As root the server runs as the `postgres` user (it refuses to run as root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface PgCluster {
  /** Folder of the Unix socket (the connection's `host`). */
  socketDir: string;
  /** A URL for `database` on this cluster, as the superuser `postgres`. */
  urlFor(database: string): string;
  /** Stops the server at once (a crash, as far as clients can tell); the data stays. */
  stop(): void;
  /** Starts it again on the same data. */
  start(): void;
  /** Stops the server and deletes everything. */
  destroy(): void;
  /** The server's main process (its children are the backends): the benchmark reads their CPU. */
  postmasterPid(): number;
}

const PORT = 5432; // names the socket file only: the cluster listens on no TCP port

export function startPgCluster(): PgCluster {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'gconnect-pg-'));
  const data = join(dir, 'data');
  const asRoot = userInfo().uid === 0;
  if (asRoot) chownSync(dir, ...postgresIds());
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(bin, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    const result = spawnSync(command, argv, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) {
      throw new Error(`${tool} failed: ${result.stderr || result.stdout || result.error?.message}`);
    }
  };
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const options = [
    `-k ${dir}`,
    "-c listen_addresses=''",
    `-p ${PORT}`,
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=400',
  ].join(' ');
  const start = () =>
    run('pg_ctl', ['-D', data, '-w', '-t', '60', '-l', join(dir, 'log'), 'start', '-o', options]);
  const stop = () => run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  start();
  return {
    socketDir: dir,
    urlFor: (database) =>
      `postgres://postgres@/${database}?host=${encodeURIComponent(dir)}&port=${PORT}`,
    stop,
    start,
    destroy() {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
    postmasterPid: () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
  };
}

/** The PostgreSQL server binaries: the newest /usr/lib/postgresql/N/bin, else pg_config's. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  try {
    const bin = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(bin, 'initdb'))) return bin;
  } catch {
    // not installed: the message below says what to do
  }
  throw new Error(
    'PostgreSQL server binaries not found (initdb). Install them (Debian: apt-get install -y postgresql) or set TEST_DATABASE_URL to a database the tests may create databases in.',
  );
}

function postgresIds(): [number, number] {
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return [id('-u'), id('-g')];
}
