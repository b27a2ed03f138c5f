import { GaxiosError, type GaxiosOptionsPrepared, type GaxiosResponse } from 'gaxios';
import { describe, expect, it } from 'vitest';
import { AppError, type GoogleCall } from '../../src/errors.js';
import { callGoogle } from '../../src/google/call-boundary.js';

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

async function failure(call: GoogleCall, err: unknown): Promise<AppError> {
  const outcome = await callGoogle(call, () => Promise.reject(err as Error)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(AppError);
  return outcome as AppError;
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
