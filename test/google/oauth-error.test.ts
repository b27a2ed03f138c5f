import { GaxiosError, type GaxiosOptionsPrepared, type GaxiosResponse } from 'gaxios';
import { describe, expect, it } from 'vitest';
import { hintFor, logGoogleRefusal, readGoogleRefusal } from '../../src/google/oauth-error.js';

/** An HTTP error from Google as gaxios raises it. */
function googleError(status: number, data: unknown): GaxiosError {
  const config = { url: new URL('https://oauth2.example/token') };
  // bodyUsed: gaxios keeps an error's parsed body only once it was read.
  const response = { status, data, config, bodyUsed: true } as unknown as GaxiosResponse;
  return new GaxiosError('Request failed', config as unknown as GaxiosOptionsPrepared, response);
}

describe("Google's OAuth error in a refusal", () => {
  it('when a 4xx carries an OAuth error code, then the status, code and description', () => {
    for (const status of [400, 499]) {
      expect(
        readGoogleRefusal(
          googleError(status, { error: 'invalid_grant', error_description: 'Bad Request' }),
        ),
      ).toEqual({ status, error: 'invalid_grant', description: 'Bad Request' });
    }
  });

  it('when the description has control characters or is long, then they become spaces and it is cut to 200', () => {
    const refusal = readGoogleRefusal(
      googleError(400, {
        error: 'invalid_request',
        error_description: `a\r\n\tb${'x'.repeat(300)}`,
      }),
    );
    expect(refusal?.description).toBe(`a b${'x'.repeat(197)}`);
    expect(readGoogleRefusal(googleError(400, { error: 'invalid_request' }))?.description).toBe(
      undefined,
    );
  });

  it('when it is not a 4xx, not JSON, not a plain code, or not from gaxios, then nothing', () => {
    for (const err of [
      googleError(399, { error: 'invalid_grant' }),
      googleError(500, { error: 'invalid_grant' }),
      googleError(400, 'invalid_grant'),
      googleError(400, null),
      googleError(400, { error: 'Invalid Grant' }),
      googleError(400, { error: 'x'.repeat(65) }),
      googleError(400, { error: 'a-b' }),
      googleError(400, { error: 42 }),
      new Error('invalid_grant'),
      new GaxiosError('no response', {} as GaxiosOptionsPrepared),
    ]) {
      expect(readGoogleRefusal(err)).toBeUndefined();
    }
    expect(readGoogleRefusal(googleError(400, { error: 'x'.repeat(64) }))?.error).toHaveLength(64);
  });

  it('when a refusal is logged, then one warning with the call, the code and its hint, never the request', () => {
    const warnings: [unknown, string][] = [];
    const logger = { warn: (obj: unknown, msg: string) => warnings.push([obj, msg]) };
    logGoogleRefusal(logger as never, 'token', googleError(401, { error: 'invalid_client' }));
    logGoogleRefusal(logger as never, 'token', googleError(502, { error: 'invalid_client' }));
    expect(warnings).toEqual([
      [
        {
          google: { call: 'token', status: 401, error: 'invalid_client', description: undefined },
          hint: hintFor('invalid_client'),
        },
        `Google refused the token call: invalid_client: ${hintFor('invalid_client')}`,
      ],
    ]);
    expect(hintFor('invalid_client')).toMatch(/GOOGLE_CLIENT_ID/);
    expect(hintFor('something_new')).toBe("see Google's OAuth 2.0 error reference for this code");
  });
});
