import { isIPv4, isIPv6 } from 'node:net';
import { ipv6Prefix, mappedIPv4 } from '../ip-network.js';

/**
 * The client address as the session list shows it: the network, not the host (IPv4 /24,
 * IPv6 /48), so the list says "where" without keeping a precise address.
 */
export function truncatedAddress(ip: string | undefined): string | null {
  if (!ip) return null;
  // An IPv4-mapped address is IPv4; a zone is dropped.
  const address = mappedIPv4(ip) ?? ip.split('%')[0] ?? ip;
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(address)) return `${ipv6Prefix(address, 3)}::/48`;
  return null;
}
