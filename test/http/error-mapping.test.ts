import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { toAppError } from '../../src/http/error-handler.js';

/** The status, public message and code a thrown value becomes. */
function mapped(err: unknown): { status: number; message: string; code: string } {
  const e = toAppError(err);
  return { status: e.status, message: e.publicMessage, code: e.code };
}

describe('library errors mapped to the contract, once', () => {
  it('when the error is already an AppError, then it is kept as is', () => {
    const own = new AppError(401, 'Invalid state parameter.', { code: 'invalid_state' });
    expect(toAppError(own)).toBe(own);
  });

  it('when SQLite fails (any SQLITE_ code), then 503 storage unavailable, the cause kept', () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    expect(mapped(busy)).toEqual({
      status: 503,
      message: 'The database is unavailable; try again.',
      code: 'storage_unavailable',
    });
    expect(toAppError(busy).cause).toBe(busy);
    expect(mapped(Object.assign(new Error('x'), { code: 'ENOENT' })).status).toBe(500);
  });

  it('when body-parser refuses a body, then 413, 400 or 415 by its type', () => {
    expect(mapped({ type: 'entity.too.large', status: 413 })).toEqual({
      status: 413,
      message: 'Request body too large.',
      code: 'body_too_large',
    });
    expect(mapped({ type: 'entity.parse.failed', status: 400 })).toEqual({
      status: 400,
      message: 'Malformed request body.',
      code: 'body_malformed',
    });
    for (const type of ['encoding.unsupported', 'charset.unsupported']) {
      expect(mapped({ type, status: 415 })).toEqual({
        status: 415,
        message: 'Unsupported body encoding.',
        code: 'body_encoding',
      });
    }
  });

  it('when another error carries a 4xx status or statusCode, then that status with a generic message', () => {
    expect(mapped({ status: 404 })).toEqual({
      status: 404,
      message: 'Bad request.',
      code: 'http_404',
    });
    expect(mapped({ statusCode: 400 })).toEqual({
      status: 400,
      message: 'Bad request.',
      code: 'http_400',
    });
    expect(mapped({ status: 499 }).status).toBe(499);
    const notFound = { status: 404 };
    expect(toAppError(notFound).cause).toBe(notFound);
  });

  it('when the status is not a 4xx (5xx, 399, a string) or missing, then 500 with the internal message', () => {
    for (const err of [
      { status: 502 },
      { status: 399 },
      { status: '404' },
      {},
      undefined,
      'boom',
    ]) {
      expect(mapped(err), JSON.stringify(err)).toEqual({
        status: 500,
        message: 'Internal server error.',
        code: 'internal',
      });
    }
    expect(mapped({ status: 500 }).status).toBe(500);
  });
});
