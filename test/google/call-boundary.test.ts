import { GaxiosError, type GaxiosOptionsPrepared, type GaxiosResponse } from 'gaxios';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { AppError, type GoogleCall } from '../../src/core/errors.js';
import { callGoogle, expectResponse } from '../../src/google/call-boundary.js';

const SECRET = 'ya29.secret-access-token';

/** An HTTP error from Google as google-auth-library raises it, its message quoting the request. */
function googleError(status: number, data: unknown = {}): GaxiosError {
  const config = { url: new URL(`https://oauth2.example/x?access_token=${SECRET}`) };
  const response = { status, data, config, bodyUsed: true } as unknown as GaxiosResponse;
  return new GaxiosError(
    `Request failed with ${SECRET}`,
    config as unknown as GaxiosOptionsPrepared,
    response,
  );
}

/** The AppError a failing call to Google becomes. */
async function failure(call: GoogleCall, err: unknown): Promise<AppError> {
  const outcome = await callGoogle(call, () => Promise.reject(err as Error)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(AppError);
  return outcome as AppError;
}

function timeoutError(name: string): Error {
  return Object.assign(new Error('deadline'), { name });
}

describe('the boundary where calls to Google become AppErrors', () => {
  it('when the call succeeds, then its value comes back', async () => {
    expect(await callGoogle('token', () => Promise.resolve(42))).toBe(42);
  });

  it('when the call throws an AppError, then it passes unchanged', async () => {
    const own = new AppError(401, 'Invalid ID token.', { code: 'invalid_id_token' });
    expect(await failure('token', own)).toBe(own);
  });

  it('when the deadline passes (AbortError, TimeoutError, ETIMEDOUT, or one as the cause), then 504', async () => {
    const timeouts = [
      timeoutError('AbortError'),
      timeoutError('TimeoutError'),
      Object.assign(new Error('connect'), { code: 'ETIMEDOUT' }),
      new Error('wrapped', { cause: timeoutError('AbortError') }),
    ];
    for (const err of timeouts) {
      expect(await failure('userinfo', err)).toMatchObject({
        status: 504,
        publicMessage: 'Google did not answer in time; try again.',
        code: 'google_userinfo_timeout',
      });
    }
  });

  it('when Google refuses the code (4xx at the token endpoint), then 401 code exchange failed', async () => {
    for (const status of [400, 499]) {
      expect(await failure('token', googleError(status))).toMatchObject({
        status: 401,
        publicMessage: 'Failed to upgrade the authorization code.',
        code: 'google_token_refused',
      });
    }
  });

  it("when tokeninfo refuses the token (4xx), then 500 with Google's error code, if it is a plain code", async () => {
    const plain = await failure('tokeninfo', googleError(400, { error: 'invalid_token' }));
    expect(plain).toMatchObject({ status: 500, code: 'google_tokeninfo_error' });
    expect(plain.publicMessage).toBe('invalid_token');
    const other = await failure('tokeninfo', googleError(400, { error: 'expired_token' }));
    expect(other.publicMessage).toBe('expired_token');
    for (const data of [{ error: 'Bad <b>html</b>' }, { error: 'x'.repeat(65) }, 'text', null]) {
      expect((await failure('tokeninfo', googleError(400, data))).publicMessage).toBe(
        'invalid_token',
      );
    }
  });

  it('when Google fails otherwise (5xx, a 4xx elsewhere, a network error), then 502 bad gateway', async () => {
    const cases: [GoogleCall, unknown][] = [
      ['token', googleError(500)],
      ['token', googleError(399)],
      ['tokeninfo', googleError(503)],
      ['userinfo', googleError(401)],
      ['certs', Object.assign(new Error('reset'), { code: 'ECONNRESET' })],
      ['revoke', 'not even an error'],
      // A GaxiosError without a response: the connection failed before Google answered.
      ['token', new GaxiosError('socket hang up', { url: new URL('https://x.example') } as never)],
    ];
    for (const [call, err] of cases) {
      expect(await failure(call, err)).toMatchObject({
        status: 502,
        publicMessage: 'Google answered with an error; try again.',
        code: `google_${call}_failed`,
      });
    }
  });

  it('when an error is kept as the cause for the log, then it has the kind and status, never the request', async () => {
    const refused = await failure('token', googleError(400));
    const cause = refused.cause as Error & { status?: number };
    expect(cause.message).toBe('Error status=400');
    expect(cause.status).toBe(400);
    expect(JSON.stringify(cause) + cause.message).not.toContain(SECRET);
    const reset = await failure('certs', Object.assign(new Error(SECRET), { code: 'ECONNRESET' }));
    expect((reset.cause as Error).message).toBe('Error code=ECONNRESET');
    const thrown = await failure('revoke', 'not even an error');
    expect((thrown.cause as Error).message).toBe('Error');
    const timedOut = await failure('token', timeoutError('TimeoutError'));
    expect((timedOut.cause as Error).message).toBe('TimeoutError');
  });

  it("when Google's answer does not have the expected shape, then 502 bad response", () => {
    const schema = z.object({ access_token: z.string() });
    expect(expectResponse(schema, { access_token: 'a' })).toEqual({ access_token: 'a' });
    expect(() => expectResponse(schema, { access_token: 1 })).toThrow(
      expect.objectContaining({ status: 502, code: 'google_bad_response' }),
    );
  });
});

/** A 4xx from Google; `data` undefined: gaxios kept no body and named the error in its message. */
function refusal(message: string, data?: unknown): GaxiosError {
  const config = { url: new URL('https://oauth2.example/token') };
  const response = { status: 400, data, config, bodyUsed: data !== undefined };
  return new GaxiosError(
    message,
    config as unknown as GaxiosOptionsPrepared,
    response as unknown as GaxiosResponse,
  );
}

describe('a refresh that Google refuses', () => {
  it('when the grant is gone (invalid_grant, in the body or, without one, the message), then 409 reconnect', async () => {
    for (const err of [
      refusal('Request failed', { error: 'invalid_grant' }),
      refusal('invalid_grant'),
      refusal('invalid_grant', null),
      refusal('invalid_grant', 'invalid_grant'),
    ]) {
      expect(await failure('refresh', err)).toMatchObject({
        status: 409,
        code: 'google_invalid_grant',
      });
    }
  });

  it('when Google refuses for another reason, or the code is not a plain one, then 502, not a reconnect', async () => {
    for (const err of [
      refusal('Request failed', { error: 'invalid_client' }),
      refusal('invalid_grant', { error: 'invalid_client' }),
      refusal('Request failed', { error: 42 }),
      refusal('Request failed', {}),
      refusal('invalid_client'),
      refusal('not invalid_grant'),
      refusal('invalid_grant, says Google'),
    ]) {
      expect(await failure('refresh', err), err.message).toMatchObject({
        status: 502,
        code: 'google_refresh_failed',
      });
    }
  });

  it('when another call gets invalid_grant, then it is not a reconnect', async () => {
    const err = refusal('Request failed', { error: 'invalid_grant' });
    expect(await failure('token', err)).toMatchObject({ status: 401 });
    expect(await failure('userinfo', err)).toMatchObject({ status: 502 });
  });
});

describe('the cause kept for the log', () => {
  it('when the error has a numeric code, then it is named; a code of another type is not', async () => {
    const numeric = await failure('certs', Object.assign(new Error('x'), { code: 7 }));
    expect((numeric.cause as Error).message).toBe('Error code=7');
    const odd = await failure('certs', Object.assign(new Error('x'), { code: { a: 1 } }));
    expect((odd.cause as Error).message).toBe('Error');
  });
});
