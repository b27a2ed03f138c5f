// Child process of test/storage/storage.test.ts: says it is about to open, then opens (and migrates) the
// SQLite file given as argument; exit code 0 means it came up.
import { openDatabase } from '../../src/storage/sqlite/database.js';

process.stdout.write('opening\n');
try {
  openDatabase(process.argv[2] as string, { busyTimeoutMs: 20_000 }).close();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
}
