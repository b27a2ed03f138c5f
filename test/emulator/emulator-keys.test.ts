/**
 * The emulator makes RSA keys off its event loop: a key rotation, the key of an "unknown kid"
 * fault and a RISC service account's key must not stop it serving other requests meanwhile.
 * Measured by event-loop turns, not by time: a synchronous generation lets none happen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server/emulator.js';
import { createSigningKey, KeyRing } from '../../emulator/oauth/keys.js';
import { RiscStreams } from '../../emulator/risc/risc.js';
import { CLIENT } from '../support/client.js';
import { decodeJwt, startEmulator } from '../support/emulator.js';

/** How many times the event loop came round while `work` ran (0 if it held the loop throughout). */
async function turnsDuring(work: () => unknown): Promise<number> {
  let turns = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  try {
    await work();
  } finally {
    done = true;
  }
  return turns;
}

describe('emulator keys are generated off the event loop', () => {
  let ring: KeyRing;
  beforeAll(async () => {
    ring = new KeyRing(await createSigningKey());
  });

  it('when the key is rotated, then the loop keeps turning, the new key is current and the old one still published', async () => {
    const old = ring.current;
    expect(await turnsDuring(() => ring.rotate(true))).toBeGreaterThan(0);
    expect(ring.current.kid).not.toBe(old.kid);
    expect(ring.published().map((k) => k.kid)).toEqual([ring.current.kid, old.kid]);
  });

  it('when an unpublished key is asked for, then the loop keeps turning, and it is one key, never published', async () => {
    let key: Awaited<ReturnType<KeyRing['unpublished']>> | undefined;
    expect(
      await turnsDuring(async () => {
        key = await ring.unpublished();
      }),
    ).toBeGreaterThan(0);
    expect(await ring.unpublished()).toBe(key);
    expect(ring.find(key!.kid)).toBeUndefined();
  });

  it('when a RISC service account is created, then the loop keeps turning and its key file holds a private key', async () => {
    let file: Record<string, unknown> = {};
    expect(
      await turnsDuring(async () => {
        file = await new RiscStreams().createServiceAccount('http://127.0.0.1:1');
      }),
    ).toBeGreaterThan(0);
    expect(file.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });
});

describe('the "unknown key" fault of a credential', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  it('when planned, then the credential is made without holding the loop and names a kid Google does not publish', async () => {
    emu.inject('gsi', { kind: 'idToken', sign: 'unknown-key' });
    let credential = '';
    const issue = async () => {
      credential = await emu.issueCredential({
        account: 'alice@example.com',
        clientId: CLIENT.clientId,
      });
    };
    expect(await turnsDuring(issue)).toBeGreaterThan(0);
    const jwks = (await (await fetch(`${emu.url}/oauth2/v3/certs`)).json()) as {
      keys: { kid: string }[];
    };
    const kid = decodeJwt(credential).header.kid;
    expect(typeof kid).toBe('string');
    expect(jwks.keys.map((k) => k.kid)).not.toContain(kid);
  });
});
