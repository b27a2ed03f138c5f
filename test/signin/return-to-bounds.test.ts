import { describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../src/signin/return-to.js';

describe('returnTo bounds and types', () => {
  it('when returnTo is not a string (absent, a number, a repeated query parameter), then /', () => {
    for (const value of [undefined, null, 42, ['/me'], { path: '/me' }]) {
      expect(safeReturnTo(value), JSON.stringify(value) ?? 'undefined').toBe('/');
    }
  });

  it('when returnTo is 2048 characters, then it is kept; when longer, then / even if it normalizes short', () => {
    const longest = `/${'a'.repeat(2047)}`;
    expect(safeReturnTo(longest)).toBe(longest);
    const collapsing = `/${'a/../'.repeat(500)}me`;
    expect(collapsing.length).toBeGreaterThan(2048);
    expect(safeReturnTo(collapsing)).toBe('/');
    expect(safeReturnTo(`/${'a/../'.repeat(100)}me`)).toBe('/me');
  });

  it('when returnTo names another host with a path, then / and not that path on our origin', () => {
    expect(safeReturnTo('//evil.example/account')).toBe('/');
    expect(safeReturnTo('/\\evil.example/account')).toBe('/');
  });

  it('when percent-encoding makes returnTo longer than 2048 characters, then /', () => {
    const spaces = `/${' '.repeat(1000)}`;
    expect(spaces.length).toBeLessThanOrEqual(2048);
    expect(safeReturnTo(spaces)).toBe('/');
    expect(safeReturnTo('/a b')).toBe('/a%20b');
  });

  it('when only the end of returnTo looks like // or /\\ (a path, a query), then it is kept', () => {
    expect(safeReturnTo('/a//')).toBe('/a//');
    expect(safeReturnTo('/a?b=/\\')).toBe('/a?b=/\\');
  });
});
