import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/from-env.js';
import { readOptions } from '../../src/config/from-options.js';
import { ConfigError } from '../../src/config/resolve.js';

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

const KEYS = `k2:${Buffer.alloc(32, 2).toString('base64')},k1:${Buffer.alloc(32, 1).toString('base64')}`;

describe('loadConfig', () => {
  it('when nothing is set but client_secrets.json exists, then the documented defaults apply', () => {
    const config = loadConfig({}, files({ './client_secrets.json': SECRETS }));
    expect(config).toMatchObject({
      production: false,
      port: 3000,
      host: '127.0.0.1',
      database: { kind: 'sqlite', path: './data/app.db' },
      dataDir: './data',
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
          DATABASE_URL: 'mysql://x',
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
    expect(problems.join('\n')).toMatch(/TOKEN_ENCRYPTION_KEYS is required/);
    expect(problems.join('\n')).toMatch(/BASE_URL is required when NODE_ENV=production/);
    expect(problems).toHaveLength(6);
  });

  it.each(['Production', 'prod', 'production ', 'PRODUCTION', 'dev', ' '])(
    'when NODE_ENV is %j, then startup is refused naming NODE_ENV, with the other problems',
    (value) => {
      const problems = problemsOf(() =>
        loadConfig(
          { NODE_ENV: value, PORT: 'x', GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' },
          files({}),
        ),
      );
      expect(problems).toEqual([
        `NODE_ENV must be unset, development, test or production (exactly, lower case), got "${value}".`,
        'PORT must be a port number (0-65535), got "x"',
      ]);
    },
  );

  it.each([
    [undefined, 'development', false],
    ['', 'development', false],
    ['development', 'development', false],
    ['test', 'test', false],
    ['production', 'production', true],
  ])('when NODE_ENV is %j, then it runs as %s', (value, nodeEnv, production) => {
    const config = loadConfig(
      {
        NODE_ENV: value,
        SESSION_SECRET: 's'.repeat(32),
        TOKEN_ENCRYPTION_KEYS: KEYS,
        BASE_URL: 'https://app.example.com',
      },
      files({ './client_secrets.json': SECRETS }),
    );
    expect(config).toMatchObject({ nodeEnv, production });
  });

  it('when production has no BASE_URL, then startup is refused naming BASE_URL (the callback URL must not come from request headers)', () => {
    const env = { SESSION_SECRET: 's'.repeat(32), TOKEN_ENCRYPTION_KEYS: KEYS };
    const secrets = files({ './client_secrets.json': SECRETS });
    for (const BASE_URL of [undefined, '']) {
      expect(
        problemsOf(() => loadConfig({ ...env, NODE_ENV: 'production', BASE_URL }, secrets)),
      ).toEqual([
        'BASE_URL is required when NODE_ENV=production: an origin like https://app.example.com (scheme, host and port; no path), the public origin users sign in at.',
      ]);
    }
    expect(loadConfig({ ...env, NODE_ENV: 'test' }, secrets).baseUrl).toBeUndefined();
  });

  it('when DATABASE_URL is postgres:// or postgresql://, then PostgreSQL is chosen with the pool settings', () => {
    const base = { GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' };
    for (const scheme of ['postgres', 'postgresql']) {
      const config = loadConfig(
        { ...base, DATABASE_URL: `${scheme}://app:pw@db.internal:5432/gconnect` },
        files({}),
      );
      expect(config.database).toEqual({
        kind: 'postgres',
        url: `${scheme}://app:pw@db.internal:5432/gconnect`,
        poolSize: 10,
        connectTimeoutMs: 5000,
        statementTimeoutMs: 5000,
        idleInTransactionTimeoutMs: 10_000,
        applicationName: 'gconnect',
      });
    }
    const tuned = loadConfig(
      {
        ...base,
        DATABASE_URL: 'postgres://db/x',
        DATABASE_POOL_SIZE: '4',
        DATABASE_CONNECT_TIMEOUT_MS: '250',
        DATABASE_STATEMENT_TIMEOUT_MS: '750',
        DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '900',
        DATABASE_APPLICATION_NAME: 'gconnect-eu1',
      },
      files({}),
    );
    expect(tuned.database).toMatchObject({
      poolSize: 4,
      connectTimeoutMs: 250,
      statementTimeoutMs: 750,
      idleInTransactionTimeoutMs: 900,
      applicationName: 'gconnect-eu1',
    });
  });

  it('when DATABASE_URL is neither file: nor postgres://, then startup names it without its password', () => {
    const problems = problemsOf(() =>
      loadConfig(
        {
          GOOGLE_CLIENT_ID: 'a',
          GOOGLE_CLIENT_SECRET: 'b',
          DATABASE_URL: 'mysql://app:s3cret@db/x',
        },
        files({}),
      ),
    );
    expect(problems.join('\n')).toMatch(/DATABASE_URL must be file:PATH .* or postgres:\/\//);
    expect(problems.join('\n')).not.toContain('s3cret');
    expect(() =>
      loadConfig({ GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b', DATABASE_POOL_SIZE: '0' }),
    ).toThrow(/DATABASE_POOL_SIZE must be a positive whole number/);
  });

  it('when production has a long secret list, then they are split, first signs', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const config = loadConfig(
      {
        NODE_ENV: 'production',
        SESSION_SECRET: `${a}, ${b}`,
        TOKEN_ENCRYPTION_KEYS: KEYS,
        BASE_URL: 'https://app.example.com',
      },
      files({ './client_secrets.json': SECRETS }),
    );
    expect(config.production).toBe(true);
    expect(config.sessionSecrets).toEqual([a, b]);
    expect(config.tokenEncryptionKeys?.map((k) => k.id)).toEqual(['k2', 'k1']);
  });

  it('when TOKEN_ENCRYPTION_KEYS is malformed, then it is named; outside production it may be unset', () => {
    const env = { GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' };
    expect(problemsOf(() => loadConfig({ ...env, TOKEN_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' }))).toEqual([
      'TOKEN_ENCRYPTION_KEYS: key "k1" must be 32 bytes, base64-encoded.',
    ]);
    expect(loadConfig(env).tokenEncryptionKeys).toBeUndefined();
  });

  it('when GOOGLE_SCOPES lists extra scopes, then they are kept; a quote is refused', () => {
    const env = { GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' };
    const drive = 'https://www.googleapis.com/auth/drive.file';
    expect(loadConfig({ ...env, GOOGLE_SCOPES: ` ${drive}  calendar ` }).google.scopes).toEqual([
      drive,
      'calendar',
    ]);
    expect(loadConfig(env).google.scopes).toEqual([]);
    expect(problemsOf(() => loadConfig({ ...env, GOOGLE_SCOPES: 'a"b' }))).toEqual([
      'GOOGLE_SCOPES: "a"b" is not a scope.',
    ]);
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

  it('when the Google button and One Tap are not configured, then popup mode and both switches off', () => {
    const config = loadConfig({ GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' });
    expect(config.gsi).toEqual({
      uxMode: 'popup',
      googleButton: false,
      oneTap: false,
      autoSelect: false,
    });
    const on = loadConfig({
      GOOGLE_CLIENT_ID: 'a',
      GOOGLE_CLIENT_SECRET: 'b',
      GSI_UX_MODE: 'redirect',
      ONE_TAP: 'on',
      ONE_TAP_AUTO_SELECT: 'on',
    });
    expect(on.gsi).toMatchObject({ uxMode: 'redirect', oneTap: true, autoSelect: true });
  });

  it("when APP_NAME is set, then it is the app's name; blank, multi-line or over 60 characters is named", () => {
    const base = { GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' };
    expect(loadConfig(base).appName).toBe('gconnect');
    expect(loadConfig({ ...base, APP_NAME: '  Acme Notes ' }).appName).toBe('Acme Notes');
    for (const bad of ['   ', 'a'.repeat(61), 'Acme\nNotes']) {
      expect(problemsOf(() => loadConfig({ ...base, APP_NAME: bad }))).toEqual([
        expect.stringMatching(/^APP_NAME must be one line of 1 to 60 characters/),
      ]);
    }
  });

  it('when the policy links are not http(s) URLs, or plain http in production, then each is named', () => {
    const base = { GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' };
    expect(
      loadConfig({
        ...base,
        PRIVACY_POLICY_URL: 'http://localhost/p',
        TERMS_URL: 'https://e.com/t',
      }).policies,
    ).toEqual({ privacyPolicyUrl: 'http://localhost/p', termsUrl: 'https://e.com/t' });
    expect(
      problemsOf(() => loadConfig({ ...base, PRIVACY_POLICY_URL: 'javascript:alert(1)' })),
    ).toEqual(['PRIVACY_POLICY_URL must be an http(s) URL, got "javascript:alert(1)".']);
    const production = loadConfig({
      ...base,
      NODE_ENV: 'production',
      SESSION_SECRET: 's'.repeat(32),
      BASE_URL: 'https://app.example.com',
      TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
      TERMS_URL: 'https://e.com/t',
    });
    expect(production.policies.termsUrl).toBe('https://e.com/t');
    expect(
      problemsOf(() =>
        loadConfig({
          ...base,
          NODE_ENV: 'production',
          SESSION_SECRET: 's'.repeat(32),
          BASE_URL: 'https://app.example.com',
          TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
          TERMS_URL: 'http://e.com/t',
        }),
      ),
    ).toEqual(['TERMS_URL must be an https URL, got "http://e.com/t".']);
  });

  it('when the One Tap settings are not on/off, or auto select is on without One Tap, then each is named', () => {
    const base = { GOOGLE_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: 'b' };
    expect(
      problemsOf(() => loadConfig({ ...base, ONE_TAP: 'yes', GSI_UX_MODE: 'iframe' })),
    ).toEqual(['GSI_UX_MODE must be popup or redirect', 'ONE_TAP must be on or off']);
    expect(problemsOf(() => loadConfig({ ...base, ONE_TAP_AUTO_SELECT: 'on' }))).toEqual([
      'ONE_TAP_AUTO_SELECT=on needs ONE_TAP=on (automatic sign-in is a One Tap feature).',
    ]);
  });
});

describe('the nodeEnv option', () => {
  const google = { clientId: 'id.apps.googleusercontent.com', clientSecret: 'shh' };
  const dataDir = '/nonexistent-gconnect-test';

  it('when it is given, then it is what the config names; unset, it follows production', () => {
    expect(readOptions({ google, dataDir, nodeEnv: 'test' }).config.nodeEnv).toBe('test');
    expect(readOptions({ google, dataDir }).config.nodeEnv).toBe('development');
  });

  it('when it is not a NODE_ENV word or disagrees with production, then each is named', () => {
    expect(
      problemsOf(() => readOptions({ google, dataDir, nodeEnv: 'prod' as 'production' })),
    ).toEqual(['nodeEnv must be development, test, production or unset, got "prod".']);
    expect(problemsOf(() => readOptions({ google, dataDir, nodeEnv: 'production' }))).toContain(
      'nodeEnv production disagrees with production false: production must be true exactly when nodeEnv is production.',
    );
  });
});
