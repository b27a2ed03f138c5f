/**
 * One address, one network: the rate limits' key (/64) and the session list's label (/48) come
 * from the same reading of an IPv6 address, so neither can drift from the other.
 */
import { describe, expect, it } from 'vitest';
import { ipv6Prefix, mappedIPv4 } from '../../src/http/ip-network.js';
import { clientKey } from '../../src/http/rate-limit.js';
import { truncatedAddress } from '../../src/http/session/client-address.js';

const keyOf = (ip: string) => clientKey({ ip, socket: {} } as never);

describe('the network of an IPv6 address', () => {
  it.each([
    // address, its /48, its /64
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1', '2001:db8:1:2'],
    ['2001:DB8:00a1:0002::1', '2001:db8:a1', '2001:db8:a1:2'],
    ['::1', '0:0:0', '0:0:0:0'],
    ['::2:3:4:5:6:7:8', '0:2:3', '0:2:3:4'],
    ['1::2:3:4:5:6:7', '1:0:2', '1:0:2:3'],
    ['1:2:3:4:5:6:7::', '1:2:3', '1:2:3:4'],
    ['fe80:1::2:3:4:5:6%eth0', 'fe80:1:0', 'fe80:1:0:2'],
    // A dotted IPv4 tail is two groups: the same address as 1:0:2:3:4:5:c000:201.
    ['1::2:3:4:5:192.0.2.1', '1:0:2', '1:0:2:3'],
    ['1:0:2:3:4:5:c000:201', '1:0:2', '1:0:2:3'],
    ['::2:3:4:5:6:192.0.2.1', '0:2:3', '0:2:3:4'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0', '64:ff9b:0:0'],
  ])(
    'when the address is %s, then the session list shows %s::/48 and the rate limit counts %s::/64',
    (ip, network48, network64) => {
      expect(ipv6Prefix(ip, 3)).toBe(network48);
      expect(ipv6Prefix(ip, 4)).toBe(network64);
      expect(truncatedAddress(ip)).toBe(`${network48}::/48`);
      expect(keyOf(ip)).toBe(`${network64}::/64`);
    },
  );

  it('when the address is IPv4-mapped, in any case, then it is the IPv4 address; anything else is not', () => {
    expect(mappedIPv4('::FFFF:198.51.100.25')).toBe('198.51.100.25');
    expect(mappedIPv4('::ffff:192.0.2.1x')).toBeUndefined();
    expect(mappedIPv4('64:ff9b::192.0.2.1')).toBeUndefined();
  });
});
