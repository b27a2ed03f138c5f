/**
 * The network an address belongs to, written one way: the rate limits count a client by it and
 * the session list shows it, so one address gives one key and one label in both.
 */

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`), in any case. */
export function mappedIPv4(ip: string): string | undefined {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
}

/**
 * The first `groups` 16-bit groups of an IPv6 address, `::` expanded, lower case, leading
 * zeros dropped, without its zone (`fe80::1%eth0`): `ipv6Prefix('2001:DB8::1', 3)` is
 * `2001:db8:0`. The caller has checked that `ip` is IPv6.
 */
export function ipv6Prefix(ip: string, groups: number): string {
  const address = ip.split('%')[0]!;
  const [head, tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // A dotted IPv4 tail (64:ff9b::192.0.2.1) is two groups written as one.
  const written = left.length + right.length + (address.includes('.') ? 1 : 0);
  const all = [...left, ...Array<string>(8 - written).fill('0'), ...right];
  return all
    .slice(0, groups)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':');
}
