/** The headers every response gets, the CSP directive by directive, and the per-page nonce. */
import { describe, expect, it } from 'vitest';
import { securityHeaders } from '../../src/http/security-headers.js';

const GOOGLE = 'https://accounts.google.com';
const GSI_CLIENT = `${GOOGLE}/gsi/client`;

/** Runs the middleware on a fake response; returns the headers it set and the response. */
function respond(production: boolean, headersSent = false, gsiClientUrl = GSI_CLIENT) {
  const headers = new Map<string, string>();
  const res = {
    headersSent,
    locals: {} as { cspNonce?: string },
    setHeader: (name: string, value: string) => headers.set(name, value),
  };
  securityHeaders({ gsiClientUrl, production })({} as never, res as never, () => {});
  return { headers, res };
}

/** A CSP as directive name → its sources, in order. */
function directives(policy: string | undefined): Record<string, string> {
  return Object.fromEntries(
    (policy ?? '').split(';').map((directive) => {
      const [name = '', ...sources] = directive.trim().split(' ');
      return [name, sources.join(' ')];
    }),
  );
}

/**
 * The policy: our own origin; Google's GSI by the paths of its CSP guide (the script exactly,
 * frames and calls under /gsi/, its stylesheet); Google's origin only for images and forms.
 */
const POLICY = {
  'default-src': "'self'",
  'base-uri': "'self'",
  'font-src': "'self' https: data:",
  'form-action': `'self' ${GOOGLE}`,
  'frame-ancestors': "'self'",
  'img-src': `'self' data: https: ${GOOGLE}`,
  'object-src': "'none'",
  'script-src': `'self' ${GOOGLE}/gsi/client`,
  'script-src-attr': "'none'",
  'style-src': `'self' ${GOOGLE}/gsi/style`,
  'connect-src': `'self' ${GOOGLE}/gsi/`,
  'frame-src': `${GOOGLE}/gsi/`,
};

describe('security headers', () => {
  it('when not in production, then the CSP is exactly the policy, without upgrade-insecure-requests, and there is no HSTS', () => {
    const { headers } = respond(false);
    expect(directives(headers.get('Content-Security-Policy'))).toEqual(POLICY);
    expect(headers.has('Strict-Transport-Security')).toBe(false);
    expect(headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(headers.get('Referrer-Policy')).toBe('no-referrer');
    expect(headers.get('X-Frame-Options')).toBe('SAMEORIGIN');
  });

  it('when in production, then the CSP also upgrades insecure requests, and HSTS is set', () => {
    const { headers } = respond(true);
    expect(directives(headers.get('Content-Security-Policy'))).toEqual({
      ...POLICY,
      'upgrade-insecure-requests': '',
    });
    expect(headers.get('Strict-Transport-Security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('when Google is an emulator under a path, then its GSI paths sit under that path, on its origin', () => {
    const emulator = 'http://127.0.0.1:4555/google';
    const { headers } = respond(false, false, `${emulator}/gsi/client`);
    expect(directives(headers.get('Content-Security-Policy'))).toMatchObject({
      'script-src': `'self' ${emulator}/gsi/client`,
      'connect-src': `'self' ${emulator}/gsi/`,
      'frame-src': `${emulator}/gsi/`,
      'style-src': `'self' ${emulator}/gsi/style`,
      'img-src': `'self' data: https: http://127.0.0.1:4555`,
      'form-action': `'self' http://127.0.0.1:4555`,
    });
  });

  it('when a page reads the nonce, then it is one value per response, and the CSP admits scripts with it', () => {
    const { headers, res } = respond(false);
    const nonce = res.locals.cspNonce;
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(res.locals.cspNonce).toBe(nonce);
    expect(directives(headers.get('Content-Security-Policy'))).toEqual({
      ...POLICY,
      'script-src': `'self' 'nonce-${nonce}' ${GOOGLE}/gsi/client`,
    });
    expect(respond(false).res.locals.cspNonce).not.toBe(nonce);
  });

  it('when the nonce is first read after the headers went out, then the CSP is left alone', () => {
    const { headers, res } = respond(false, true);
    const before = headers.get('Content-Security-Policy');
    expect(res.locals.cspNonce).toBeTypeOf('string');
    expect(headers.get('Content-Security-Policy')).toBe(before);
  });
});
