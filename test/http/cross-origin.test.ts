import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { refuseCrossSite } from '../../src/http/cross-origin.js';

/** What refuseCrossSite hands to next() for a request with these method and headers. */
function verdict(method: string, headers: Record<string, string>): unknown {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const req = { method, get: (name: string) => lower[name.toLowerCase()] } as unknown as Request;
  let handed: unknown = 'next() not called';
  refuseCrossSite()(req, {} as never, (err?: unknown) => {
    handed = err;
  });
  return handed;
}

function expectRefused(handed: unknown): void {
  expect(handed).toBeInstanceOf(AppError);
  expect(handed).toMatchObject({
    status: 403,
    publicMessage: 'Cross-site request refused.',
    code: 'cross_site',
  });
}

describe('cross-site request refusal (the rule of Go http.CrossOriginProtection)', () => {
  it('when a safe method (GET, HEAD, OPTIONS) comes cross-site, then it passes', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      expect(verdict(method, { 'Sec-Fetch-Site': 'cross-site' }), method).toBeUndefined();
    }
  });

  it('when a POST says Sec-Fetch-Site same-origin or none (typed URL, bookmark), then it passes', () => {
    expect(verdict('POST', { 'Sec-Fetch-Site': 'same-origin' })).toBeUndefined();
    expect(verdict('POST', { 'Sec-Fetch-Site': 'none' })).toBeUndefined();
  });

  it('when a POST says Sec-Fetch-Site cross-site or same-site, then 403 even with a matching Origin', () => {
    for (const site of ['cross-site', 'same-site']) {
      expectRefused(
        verdict('POST', { 'Sec-Fetch-Site': site, Origin: 'http://app.test', Host: 'app.test' }),
      );
    }
  });

  it('when a DELETE or PUT comes cross-site, then 403 (every unsafe method is checked)', () => {
    expectRefused(verdict('DELETE', { 'Sec-Fetch-Site': 'cross-site' }));
    expectRefused(verdict('PUT', { Origin: 'https://evil.example', Host: 'app.test' }));
  });

  it('when a POST has no Sec-Fetch-Site, then its Origin must name this host', () => {
    expect(verdict('POST', { Origin: 'http://app.test:8080', Host: 'app.test:8080' })).toBe(
      undefined,
    );
    expectRefused(verdict('POST', { Origin: 'http://app.test:9090', Host: 'app.test:8080' }));
    expectRefused(verdict('POST', { Origin: 'https://evil.example', Host: 'app.test' }));
  });

  it('when Origin is "null" or not a URL, then 403', () => {
    expectRefused(verdict('POST', { Origin: 'null', Host: 'app.test' }));
    expectRefused(verdict('POST', { Origin: 'not a url', Host: 'app.test' }));
  });

  it('when a POST has neither Sec-Fetch-Site nor Origin (curl, not a browser), then it passes', () => {
    expect(verdict('POST', { Host: 'app.test' })).toBeUndefined();
  });
});
