import { describe, expect, it } from 'vitest';
import { roundRobin } from '../../bench/round-robin.js';

describe('bench: roundRobin', () => {
  it('sends each request to the next instance in turn, starting over after the last', () => {
    const next = roundRobin(['http://127.0.0.1:4001', 'http://127.0.0.1:4002']);
    const ports = Array.from({ length: 5 }, () => next().port);
    expect(ports).toEqual(['4001', '4002', '4001', '4002', '4001']);
  });

  it('sends everything to a single instance', () => {
    const next = roundRobin(['http://127.0.0.1:4001']);
    expect([next().port, next().port]).toEqual(['4001', '4001']);
  });

  it('refuses an empty list rather than sending nowhere', () => {
    expect(() => roundRobin([])).toThrow(/no URL/);
  });
});
