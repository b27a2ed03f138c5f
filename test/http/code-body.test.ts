import { describe, expect, it } from 'vitest';
import { readCode } from '../../src/http/code-body.js';

function expectMissingCode(body: unknown): void {
  expect(() => readCode(body), JSON.stringify(String(body))).toThrow(
    expect.objectContaining({
      status: 400,
      publicMessage: 'Missing authorization code.',
      code: 'missing_code',
    }),
  );
}

describe('reading the authorization code from the posted body', () => {
  it('when the body is raw bytes, then the code is the text with surrounding whitespace trimmed', () => {
    expect(readCode(Buffer.from('  4/abc-DEF_123\r\n', 'utf8'))).toBe('4/abc-DEF_123');
  });

  it('when the body is a form or JSON object, then the code is its code field', () => {
    expect(readCode({ code: '4/xyz' })).toBe('4/xyz');
  });

  it('when the code is absent, empty, not a string or the body is nothing, then 400 missing code', () => {
    for (const body of [undefined, null, {}, { code: '' }, { code: 42 }, { code: ['a'] }, '4/x']) {
      expectMissingCode(body);
    }
    expectMissingCode(Buffer.from('   ', 'utf8'));
  });

  it('when the code is 2048 characters, then it is read; at 2049, then 400', () => {
    expect(readCode({ code: 'a'.repeat(2048) })).toHaveLength(2048);
    expectMissingCode({ code: 'a'.repeat(2049) });
  });

  it('when the code holds a space, a control character or non-ASCII, then 400', () => {
    for (const code of ['4/a b', '4/a\tb', '4/a\u007fb', '4/é', '4/a\u0000']) {
      expectMissingCode({ code });
    }
  });

  it('when the code uses the printable ASCII edges (! and ~), then it is read', () => {
    expect(readCode({ code: '!~' })).toBe('!~');
  });
});
