import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import type { OAuth2Client } from 'google-auth-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchSigningKeys, signingKeysFromJwks } from '../../src/google/jwks.js';
import { lifetimeSeconds } from '../../src/google/token-exchange.js';

const rsa = (bits = 2048): JsonWebKey =>
  generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' });
const good = rsa();
const second = rsa();

describe("Google's JWK Set, read into signing keys", () => {
  it('when an entry is an RSA signing key of 2048 bits or more, then it is kept under its kid', () => {
    const keys = signingKeysFromJwks({
      keys: [
        { ...good, kid: 'a', use: 'sig', alg: 'RS256' },
        { ...second, kid: 'b' },
      ],
    });
    expect(Object.keys(keys ?? {})).toEqual(['a', 'b']);
    expect(keys?.a?.export({ format: 'jwk' })).toMatchObject({ n: good.n, e: good.e });
  });

  it('when an entry is not an RSA signing key for RS256 with a kid, then it is left out', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      format: 'jwk',
    });
    const keys = signingKeysFromJwks({
      keys: [
        { ...ec, kid: 'ec' },
        { ...good, kty: 'EC', kid: 'claims-ec' },
        { ...good },
        { ...good, kid: '' },
        { ...good, kid: 7 },
        { ...good, kid: 'enc', use: 'enc' },
        { ...good, kid: 'rs512', alg: 'RS512' },
        { ...rsa(1024), kid: 'short' },
        { kty: 'RSA', kid: 'broken', n: '', e: 'AQAB' },
        { kty: 'RSA', kid: 'junk', n: '!!', e: '??' },
        { ...good, kid: 'kept' },
      ],
    });
    expect(Object.keys(keys ?? {})).toEqual(['kept']);
  });

  it('when two entries share a kid, then the first stands', () => {
    const keys = signingKeysFromJwks({
      keys: [
        { ...good, kid: 'same' },
        { ...second, kid: 'same' },
      ],
    });
    expect(keys?.same?.export({ format: 'jwk' })).toMatchObject({ n: good.n });
  });

  it('when a kid is an Object member name, then it is an ordinary key id', () => {
    const keys = signingKeysFromJwks({ keys: [{ ...good, kid: 'constructor' }] });
    expect(Object.keys(keys ?? {})).toEqual(['constructor']);
  });

  it('when the document is not a JWK Set, then undefined', () => {
    for (const data of [undefined, 'x', {}, { keys: 'x' }, { keys: ['x'] }]) {
      expect(signingKeysFromJwks(data), JSON.stringify(data)).toBeUndefined();
    }
  });
});

describe('fetching the signing keys', () => {
  function transporter(data: unknown, cacheControl?: string) {
    const calls: unknown[] = [];
    const fake = {
      request: (options: unknown) => {
        calls.push(options);
        const headers = new Headers(cacheControl ? { 'cache-control': cacheControl } : {});
        return Promise.resolve({ data, headers });
      },
    } as unknown as OAuth2Client['transporter'];
    return { fake, calls };
  }

  it('when the answer has a max-age, then the keys are cached that long; without one, not at all', async () => {
    const { fake, calls } = transporter(
      { keys: [{ ...good, kid: 'a' }] },
      'public, max-age=19607, must-revalidate',
    );
    const fetched = await fetchSigningKeys(fake, 'https://certs.example/v3');
    expect(Object.keys(fetched.keys)).toEqual(['a']);
    expect(fetched.maxAgeMs).toBe(19_607_000);
    expect(calls).toEqual([
      { url: 'https://certs.example/v3', method: 'GET', responseType: 'json' },
    ]);
    const none = await fetchSigningKeys(transporter({ keys: [{ ...good, kid: 'a' }] }).fake, 'u');
    expect(none.maxAgeMs).toBe(0);
    const bad = transporter({ keys: [{ ...good, kid: 'a' }] }, 'max-age=abc');
    expect((await fetchSigningKeys(bad.fake, 'u')).maxAgeMs).toBe(0);
  });

  it('when no usable key (or no JWK Set) comes back, then 502 certs unusable', async () => {
    for (const data of [{ keys: [] }, { keys: [{ ...good, kid: 'x', use: 'enc' }] }, 'html']) {
      await expect(fetchSigningKeys(transporter(data).fake, 'u')).rejects.toMatchObject({
        status: 502,
        code: 'google_certs_unusable',
      });
    }
  });
});

describe("the access token's lifetime", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('when Google gave expires_in, then that; when the library turned it into expiry_date, then the seconds left, rounded', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_000_000);
    expect(lifetimeSeconds({ access_token: 'a', expires_in: 3599 })).toBe(3599);
    expect(lifetimeSeconds({ access_token: 'a', expiry_date: 1_000_000 + 3_599_400 })).toBe(3599);
    expect(lifetimeSeconds({ access_token: 'a', expiry_date: 1_000_000 + 3_599_600 })).toBe(3600);
  });

  it('when the expiry is past, then 0; when neither is given, then unknown', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_000_000);
    expect(lifetimeSeconds({ access_token: 'a', expiry_date: 1_000_000 - 5_000 })).toBe(0);
    expect(lifetimeSeconds({ access_token: 'a' })).toBeUndefined();
  });
});
