import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const SECRETS = JSON.stringify({
  web: { client_id: 'id.apps.googleusercontent.com', client_secret: 'shh' },
});
const files = (map: Record<string, string>) => ({
  readFile: (path: string) => {
    const text = map[path];
    if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return text;
  },
});

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('when nothing is set but client_secrets.json exists, then the documented defaults apply', () => {
    const config = loadConfig({}, files({ './client_secrets.json': SECRETS }));
    expect(config).toMatchObject({
      production: false,
      port: 3000,
      host: '127.0.0.1',
      databasePath: './data/app.db',
      sessionSecrets: undefined,
      google: {
        clientId: 'id.apps.googleusercontent.com',
        clientSecret: 'shh',
        emulatorUrl: undefined,
        timeoutMs: 5000,
      },
      logLevel: 'info',
    });
  });

  it('when client_secrets.json is missing, then one clear message names the file and what to do', () => {
    const [problem, ...rest] = problemsOf(() => loadConfig({}, files({})));
    expect(rest).toEqual([]);
    expect(problem).toContain('./client_secrets.json');
    expect(problem).toContain('client_secrets.example.json');
    expect(problem).toContain('npm run dev');
  });

  it('when client_secrets.json is broken or has the wrong shape, then it says so', () => {
    expect(
      problemsOf(() => loadConfig({}, files({ './client_secrets.json': '{oops' })))[0],
    ).toMatch(/not valid JSON/);
    expect(
      problemsOf(() =>
        loadConfig({}, files({ './client_secrets.json': JSON.stringify({ installed: {} }) })),
      )[0],
    ).toMatch(/"web"/);
  });

  it('when GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET are set, then the file is not needed', () => {
    const config = loadConfig({ GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' }, files({}));
    expect(config.google).toMatchObject({ clientId: 'a', clientSecret: 'b' });
  });

  it('when several settings are wrong, then every problem is named at once', () => {
    const problems = problemsOf(() =>
      loadConfig(
        {
          NODE_ENV: 'production',
          GOOGLE_EMULATOR_URL: 'http://127.0.0.1:4000',
          DATABASE_URL: 'postgres://x',
          LOG_LEVEL: 'loud',
        },
        files({ './client_secrets.json': SECRETS }),
      ),
    );
    expect(problems.join('\n')).toMatch(/SESSION_SECRET is required/);
    expect(problems.join('\n')).toMatch(
      /GOOGLE_EMULATOR_URL must not be set when NODE_ENV=production/,
    );
    expect(problems.join('\n')).toMatch(/DATABASE_URL/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL/);
    expect(problems).toHaveLength(4);
  });

  it('when production has a long secret list, then they are split, first signs', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const config = loadConfig(
      { NODE_ENV: 'production', SESSION_SECRET: `${a}, ${b}` },
      files({ './client_secrets.json': SECRETS }),
    );
    expect(config.production).toBe(true);
    expect(config.sessionSecrets).toEqual([a, b]);
  });

  it('when numbers are not numbers, then they are refused by name', () => {
    expect(
      problemsOf(() =>
        loadConfig({ PORT: 'x', GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' }),
      )[0],
    ).toMatch(/PORT/);
    expect(
      problemsOf(() =>
        loadConfig({ GOOGLE_TIMEOUT_MS: '-1', GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' }),
      )[0],
    ).toMatch(/GOOGLE_TIMEOUT_MS/);
  });

  it('when a number is bad and the secrets file is missing, then one error names both', () => {
    const problems = problemsOf(() =>
      loadConfig({ PORT: 'x', GOOGLE_TIMEOUT_MS: 'soon', LOG_LEVEL: 'loud' }, files({})),
    );
    expect(problems).toEqual([
      'PORT must be a port number (0-65535), got "x"',
      'GOOGLE_TIMEOUT_MS must be a positive whole number, got "soon"',
      expect.stringContaining('GOOGLE_CLIENT_SECRETS: cannot read ./client_secrets.json'),
      expect.stringContaining('LOG_LEVEL must be one of'),
    ]);
  });

  it('when the secrets file is missing, then the ConfigError message lists a bad PORT too', () => {
    expect(() => loadConfig({ PORT: '70000' }, files({}))).toThrow(
      /Configuration is invalid:\n {2}- PORT must be a port number \(0-65535\), got "70000"\n {2}- GOOGLE_CLIENT_SECRETS: cannot read/,
    );
  });

  it('when the emulator URL has a trailing slash, then it is dropped (it is the exact issuer)', () => {
    const config = loadConfig({
      GOOGLE_EMULATOR_URL: 'http://127.0.0.1:4000/',
      GOOGLE_CLIENT_ID: 'a',
      GOOGLE_CLIENT_SECRET: 'b',
    });
    expect(config.google.emulatorUrl).toBe('http://127.0.0.1:4000');
  });
});
