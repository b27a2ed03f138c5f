import { describe, expect, it } from 'vitest';
import { httpUrl } from '../../src/http/safe-url.js';

describe('profile picture URLs', () => {
  it('when the URL is https or http, then it is kept, normalized', () => {
    expect(httpUrl('https://lh3.example/a.png')).toBe('https://lh3.example/a.png');
    expect(httpUrl('HTTP://Example.COM')).toBe('http://example.com/');
  });

  it('when the URL has another scheme (javascript:, data:, ftp:), then null', () => {
    for (const value of ['javascript:alert(1)', 'data:image/png;base64,AAAA', 'ftp://x.example/']) {
      expect(httpUrl(value), value).toBeNull();
    }
  });

  it('when the value is empty, not a string or not a URL, then null', () => {
    for (const value of ['', undefined, null, 42, {}, '/relative.png', 'not a url']) {
      expect(httpUrl(value), JSON.stringify(value) ?? 'undefined').toBeNull();
    }
  });

  it('when the value is not a string but reads as an https URL (an array, a URL object), then null', () => {
    const picture = 'https://example.com/a.png';
    for (const value of [[picture], new URL(picture), { toString: () => picture }]) {
      expect(httpUrl(value), String(value)).toBeNull();
    }
  });
});
