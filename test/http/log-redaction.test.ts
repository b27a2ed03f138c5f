import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';

/** What createLogger writes for one entry, parsed. */
function logged(entry: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const lines: string[] = [];
  createLogger('info', { write: (line: string) => lines.push(line) }).info(entry, 'test');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? '{}') as Record<string, Record<string, unknown>>;
}

describe("the app logger's redaction", () => {
  it('when a logged object carries a token, code, secret, cookie or authorization, then each is masked', () => {
    const secrets = {
      access_token: 'ya29.A',
      id_token: 'eyJ.B',
      code: '4/C',
      accessToken: 'ya29.D',
      idToken: 'eyJ.E',
      client_secret: 'F',
      clientSecret: 'G',
      cookie: 'sid=H',
      authorization: 'Bearer I',
      sessionSecrets: ['J'],
    };
    const line = logged({ detail: { ...secrets, path: '/gconnect' } });
    const masked = Object.fromEntries(Object.keys(secrets).map((key) => [key, '[redacted]']));
    expect(line.detail).toEqual({ ...masked, path: '/gconnect' });
  });

  it('when the level is above the entry, then nothing is written', () => {
    const lines: string[] = [];
    createLogger('warn', { write: (line: string) => lines.push(line) }).info({}, 'quiet');
    expect(lines).toEqual([]);
  });
});
