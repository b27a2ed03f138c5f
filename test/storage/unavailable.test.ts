import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, isDatabaseUnavailable } from '../../src/storage/unavailable.js';

const coded = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error('x'), { code, ...extra });

describe('which database errors mean "unavailable, try again" (503) rather than a bug (500)', () => {
  it('when SQLite fails (any SQLITE_ code), then unavailable', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_FULL', 'SQLITE_IOERR_WRITE']) {
      expect(isDatabaseUnavailable(coded(code)), code).toBe(true);
    }
  });

  it('when a connection cannot be made or is lost (any failed connect, network codes), then unavailable', () => {
    for (const code of [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'ENOTFOUND',
      'EAI_AGAIN',
      'EHOSTUNREACH',
      'ENETUNREACH',
    ]) {
      expect(isDatabaseUnavailable(coded(code)), code).toBe(true);
    }
    expect(isDatabaseUnavailable(coded('ENOENT', { syscall: 'connect' }))).toBe(true);
    expect(isDatabaseUnavailable(coded('ENOENT', { syscall: 'open' }))).toBe(false);
  });

  it("when PostgreSQL's SQLSTATE says connection, resources, shutdown, cancel or conflict, then unavailable", () => {
    for (const code of [
      '08006',
      '40001',
      '40P01',
      '53300',
      '55P03',
      '57014',
      '57P01',
      '58000',
      '25P03',
      '25006',
    ]) {
      expect(isDatabaseUnavailable(coded(code)), code).toBe(true);
    }
  });

  it('when the SQLSTATE is a data or constraint error, or only looks like a transient one, then not', () => {
    for (const code of ['23505', '22P02', '42P01', '25P02', '0800', '080066', 'x08006', '57p01']) {
      expect(isDatabaseUnavailable(coded(code)), code).toBe(false);
    }
  });

  it('when node-postgres cannot get or keep a connection (its own messages), then unavailable', () => {
    for (const message of [
      'timeout exceeded when trying to connect',
      'Connection terminated unexpectedly',
      'Connection terminated due to connection timeout',
      'Query read timeout',
      'Client has encountered a connection error and is not queryable',
      'Cannot use a pool after calling end on the pool',
    ]) {
      expect(isDatabaseUnavailable(new Error(message)), message).toBe(true);
    }
    expect(isDatabaseUnavailable(new Error('the Connection terminated'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('syntax error at or near "x"'))).toBe(false);
  });

  it('when the error is wrapped as DatabaseUnavailableError, then unavailable, with its cause in the message', () => {
    const cause = coded('ENOENT');
    const err = new DatabaseUnavailableError(cause);
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect(err).toMatchObject({
      name: 'DatabaseUnavailableError',
      code: 'DATABASE_UNAVAILABLE',
      message: 'database unavailable: x',
      cause,
    });
    expect(new DatabaseUnavailableError('down').message).toBe('database unavailable: down');
  });

  it('when the thrown value is not an error with a code or message, then not', () => {
    for (const value of [undefined, null, 'SQLITE_BUSY', { code: 5 }, { message: 42 }, {}]) {
      expect(isDatabaseUnavailable(value), JSON.stringify(value)).toBe(false);
    }
  });
});
