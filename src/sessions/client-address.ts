import { isIPv4, isIPv6 } from 'node:net';

/**
 * The client address as the session list shows it: the network, not the host (IPv4 /24,
 * IPv6 /48), so the list says "where" without keeping a precise address.
 */
export function truncatedAddress(ip: string | undefined): string | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  const address = mapped ?? ip.split('%')[0] ?? ip; // an IPv4-mapped address is IPv4; drop a zone
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(address)) return `${ipv6Groups(address).slice(0, 3).join(':')}::/48`;
  return null;
}

/** The eight 16-bit groups of an IPv6 address, "::" expanded, leading zeros dropped. */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right].map((g) => g.replace(/^0+(?=.)/, ''));
}
