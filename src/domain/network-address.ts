/**
 * Which network addresses an outgoing webhook may reach. Everything that is not the public
 * internet is refused — loopback, private (RFC 1918, ULA), carrier-grade NAT, link-local (with the
 * cloud metadata address 169.254.169.254 and its IPv6 twin in fd00:ec2::/32), multicast,
 * documentation and reserved ranges, IPv4-mapped and NAT64 IPv6 forms (which would smuggle any
 * IPv4 address) — unless an operator's allow-list names the network.
 */
import { BlockList, isIP } from 'node:net';

const BLOCKED: Array<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'this network'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local / metadata'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'protocol assignments'],
  ['192.0.2.0', 24, 'ipv4', 'documentation'],
  ['192.88.99.0', 24, 'ipv4', '6to4 relay'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['198.51.100.0', 24, 'ipv4', 'documentation'],
  ['203.0.113.0', 24, 'ipv4', 'documentation'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved / broadcast'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['::ffff:0:0', 96, 'ipv6', 'IPv4-mapped'],
  ['64:ff9b::', 96, 'ipv6', 'NAT64'],
  ['64:ff9b:1::', 48, 'ipv6', 'NAT64'],
  ['100::', 64, 'ipv6', 'discard'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['2002::', 16, 'ipv6', '6to4'],
  ['fc00::', 7, 'ipv6', 'private (unique local) / metadata'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const lists = BLOCKED.map(([net, prefix, family, reason]) => {
  const l = new BlockList();
  l.addSubnet(net, prefix, family);
  return { l, family, reason };
});

/** Why `ip` may not be a webhook target, or null when it is a public address. */
export function blockedReason(ip: string): string | null {
  const v = isIP(ip);
  if (v === 0) return 'not an IP address';
  const family = v === 4 ? 'ipv4' : 'ipv6';
  for (const { l, family: f, reason } of lists) if (f === family && l.check(ip, family)) return reason;
  return null;
}

/** An operator's allow-list from CIDRs (`10.0.0.0/8,127.0.0.1/32,fd00::/8`); throws on a malformed entry. */
export function allowList(cidrs: readonly string[]): BlockList {
  const l = new BlockList();
  for (const c of cidrs) {
    const [net, bits] = c.trim().split('/');
    const v = isIP(net ?? '');
    const prefix = Number(bits ?? (v === 4 ? 32 : 128));
    if (v === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (v === 4 ? 32 : 128)) throw new Error(`"${c}" is not a network (CIDR)`);
    l.addSubnet(net!, prefix, v === 4 ? 'ipv4' : 'ipv6');
  }
  return l;
}

export function isAllowed(ip: string, allow: BlockList | null): boolean {
  const v = isIP(ip);
  if (v === 0) return false;
  if (allow?.check(ip, v === 4 ? 'ipv4' : 'ipv6')) return true;
  return blockedReason(ip) === null;
}
