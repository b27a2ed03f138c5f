import { describe, expect, it } from 'vitest';
import { readBenchArgs, UsageError } from '../../bench/args.js';

describe('bench: --engines and --database-url', () => {
  it('measures both engines by default, on a throwaway cluster', () => {
    const args = readBenchArgs([]);
    expect([...args.engines]).toEqual(['sqlite', 'postgres']);
    expect(args.databaseUrl).toBeUndefined();
  });

  it('--engines sqlite leaves PostgreSQL out', () => {
    expect([...readBenchArgs(['--engines', 'sqlite']).engines]).toEqual(['sqlite']);
  });

  it('refuses an unknown engine, and PostgreSQL without the SQLite reference', () => {
    expect(() => readBenchArgs(['--engines', 'sqlite,mysql'])).toThrow(UsageError);
    expect(() => readBenchArgs(['--engines', 'postgres'])).toThrow(/sqlite is the reference/);
  });

  it('takes the server from --database-url, else from BENCH_DATABASE_URL', () => {
    const env = { BENCH_DATABASE_URL: 'postgres://bench@db.internal/postgres' };
    expect(readBenchArgs([], env).databaseUrl).toBe(env.BENCH_DATABASE_URL);
    expect(readBenchArgs(['--database-url', 'postgres://other/postgres'], env).databaseUrl).toBe(
      'postgres://other/postgres',
    );
  });
});
