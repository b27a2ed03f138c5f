import { GaxiosError, type GaxiosOptionsPrepared, type GaxiosResponse } from 'gaxios';
import { describe, expect, it } from 'vitest';
import { tokenInfo, userInfo } from '../../src/google/access-token-info.js';
import type { GoogleConfiguration } from '../../src/google/configuration.js';
import { revoke } from '../../src/google/revoke.js';

/** A configuration whose transporter records each request and answers with `answer`. */
function recording(answer: (options: unknown) => Promise<unknown>) {
  const requests: unknown[] = [];
  const config = {
    endpoints: {
      tokenInfo: 'https://google.example/tokeninfo',
      userInfo: 'https://google.example/userinfo',
      revoke: 'https://google.example/revoke',
    },
    oauth: {
      transporter: {
        request: (options: unknown) => {
          requests.push(options);
          return answer(options);
        },
      },
    },
    logger: undefined,
  } as unknown as GoogleConfiguration;
  return { config, requests };
}

const ok = (data: unknown) => () => Promise.resolve({ data });

function serverError(): GaxiosError {
  const options = { url: new URL('https://google.example/x') };
  const response = { status: 500, data: {}, config: options, bodyUsed: true };
  return new GaxiosError(
    'Request failed',
    options as unknown as GaxiosOptionsPrepared,
    response as unknown as GaxiosResponse,
  );
}

describe('the requests made with an access token', () => {
  it('when tokeninfo is asked, then the token is POSTed in the Authorization header (never the URL) as JSON', async () => {
    const { config, requests } = recording(ok({ sub: '1', aud: 'c', azp: 'c' }));
    expect(await tokenInfo(config, 'ya29.t')).toEqual({ sub: '1', aud: 'c', azp: 'c' });
    expect(requests).toEqual([
      {
        url: 'https://google.example/tokeninfo',
        method: 'POST',
        headers: { authorization: 'Bearer ya29.t' },
        responseType: 'json',
      },
    ]);
  });

  it('when userinfo is asked, then a GET with the token in the Authorization header, as JSON', async () => {
    const { config, requests } = recording(ok({ sub: '1' }));
    expect(await userInfo(config, 'ya29.t')).toEqual({ sub: '1' });
    expect(requests).toEqual([
      {
        url: 'https://google.example/userinfo',
        method: 'GET',
        headers: { authorization: 'Bearer ya29.t' },
        responseType: 'json',
      },
    ]);
  });

  it('when userinfo gives email_verified as the string "true" or "false", then it reads as that boolean', async () => {
    for (const [given, read] of [
      ['true', true],
      ['false', false],
      [true, true],
      [false, false],
    ] as const) {
      const { config } = recording(ok({ sub: '1', email_verified: given }));
      expect((await userInfo(config, 't')).email_verified, String(given)).toBe(read);
    }
    const { config } = recording(ok({ sub: '1', email_verified: 'yes' }));
    await expect(userInfo(config, 't')).rejects.toMatchObject({
      status: 502,
      code: 'google_bad_response',
    });
  });

  it('when Google fails these calls, then the error names the call', async () => {
    const failing = recording(() => Promise.reject(serverError())).config;
    await expect(tokenInfo(failing, 't')).rejects.toMatchObject({
      code: 'google_tokeninfo_failed',
    });
    await expect(userInfo(failing, 't')).rejects.toMatchObject({ code: 'google_userinfo_failed' });
    await expect(revoke(failing, 't')).rejects.toMatchObject({ code: 'google_revoke_failed' });
  });
});

describe('revoking at Google', () => {
  it('when a token is revoked, then it is POSTed as a form body (RFC 7009), never in the URL', async () => {
    const { config, requests } = recording(ok(''));
    await revoke(config, 'ya29.t/+=');
    expect(requests).toEqual([
      {
        url: 'https://google.example/revoke',
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        data: 'token=ya29.t%2F%2B%3D',
      },
    ]);
  });
});
