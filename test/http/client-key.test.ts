import { describe, expect, it } from 'vitest';
import { clientKey } from '../../src/http/rate-limit.js';

const key = (ip: string | undefined, remoteAddress?: string) =>
  clientKey({ ip, socket: { remoteAddress } } as never);

describe('the client key of the rate limits', () => {
  it('when Express has no address, then the socket address, else "unknown"', () => {
    expect(key(undefined, '198.51.100.4')).toBe('198.51.100.4');
    expect(key(undefined, undefined)).toBe('unknown');
  });

  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:198.51.100.25', '198.51.100.25'],
    ['::ffff:10.200.30.4', '10.200.30.4'],
  ])(
    'when the address is IPv4, or IPv4-mapped IPv6 in any case, then the IPv4 address: %s',
    (ip, k) => {
      expect(key(ip)).toBe(k);
    },
  );

  it.each([
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:00a1:0002::1', '2001:db8:a1:2::/64'],
    ['2001:0db8:0000:0002:aaaa::1', '2001:db8:0:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['::2:3:4:5:6:7:8', '0:2:3:4::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['1::2:3:4:5:6:7', '1:0:2:3::/64'],
    ['1:2::3:4:5:6:7', '1:2:0:3::/64'],
    ['2001:db8:1::', '2001:db8:1:0::/64'],
    ['1:2:3:4:5:6:7::', '1:2:3:4::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['fe80:1::2:3:4:5:6%eth0.100', 'fe80:1:0:2::/64'],
    ['1::2:3:4:5:192.0.2.1', '1:0:2:3::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['2001:db8::ffff:192.0.2.1', '2001:db8:0:0::/64'],
  ])(
    'when the address is IPv6 (full, compressed anywhere, zoned, dotted tail), then its /64 written one way: %s',
    (ip, k) => {
      expect(key(ip)).toBe(k);
    },
  );

  it('when the addresses lie in one /64, then one key; in neighbouring /64s, then one key each', () => {
    const sameNetwork = [
      '2001:db8:1:2::1',
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:0DB8:0001:0002:0:0:0:9',
      '2001:db8:1:2::5%eth0',
    ];
    expect(new Set(sameNetwork.map((ip) => key(ip))).size).toBe(1);
    const neighbours = ['2001:db8:1:2::1', '2001:db8:1:3::1', '2001:db8:1::2', '2001:db8::1:2'];
    expect(new Set(neighbours.map((ip) => key(ip))).size).toBe(neighbours.length);
  });

  it('when the address is not an IP address (a forged X-Forwarded-For), then it is only its own key', () => {
    expect(key('::ffff:192.0.2.1x')).toBe('::ffff:192.0.2.1x');
    expect(key('not-an-address')).toBe('not-an-address');
  });
});
