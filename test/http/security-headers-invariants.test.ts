/**
 * securityHeaders runs helmet once at startup and splits its CSP at the nonce placeholder. A
 * helmet release that stopped doing either would serve pages whose scripts never run (or
 * without a CSP), so startup fails instead. Such a helmet is simulated here: this file alone
 * replaces the library.
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { securityHeaders } from '../../src/http/security-headers.js';

type HelmetMiddleware = (req: unknown, res: ServerResponse, next: () => void) => void;

const helmetNow = vi.hoisted(() => ({ middleware: undefined as HelmetMiddleware | undefined }));

vi.mock('helmet', async (importOriginal) => {
  const real = (await importOriginal<typeof import('helmet')>()).default;
  return {
    default: (options: Parameters<typeof real>[0]) => helmetNow.middleware ?? real(options),
  };
});

afterEach(() => {
  helmetNow.middleware = undefined;
});

const OPTIONS = { gsiClientUrl: 'https://accounts.google.com/gsi/client', production: false };

describe('securityHeaders: startup checks of what helmet gives', () => {
  it('when helmet is the real one, then the middleware is built', () => {
    expect(securityHeaders(OPTIONS)).toBeTypeOf('function');
  });

  it('when helmet sets a CSP without the nonce placeholder, or no CSP at all, then startup fails', () => {
    helmetNow.middleware = (_req, res, next) => {
      res.setHeader('Content-Security-Policy', "script-src 'self'");
      next();
    };
    expect(() => securityHeaders(OPTIONS)).toThrow('the CSP lost its script nonce');
    helmetNow.middleware = (_req, _res, next) => next();
    expect(() => securityHeaders(OPTIONS)).toThrow('the CSP lost its script nonce');
  });

  it('when helmet does not finish synchronously, then startup fails', () => {
    helmetNow.middleware = () => undefined;
    expect(() => securityHeaders(OPTIONS)).toThrow('helmet did not finish synchronously');
  });
});
