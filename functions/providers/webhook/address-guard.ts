import { isIP } from 'node:net';

/**
 * Which IP addresses a customer URL may reach ([G] README WH-7). A bridges file names the URLs,
 * so without this check the relay could be pointed at the cloud metadata service, the Lambda
 * runtime API or a private network. Every address a name resolves to is checked, IPv4-mapped
 * and NAT64 IPv6 addresses by the IPv4 address they carry.
 */

export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'unspecified'
  | 'shared'
  | 'multicast'
  | 'reserved';

/** [first address, prefix length, kind]; the first match wins, so /32s come before their /16. */
const IPV4_RANGES: readonly [string, number, AddressKind][] = [
  ['169.254.169.254', 32, 'metadata'],
  ['0.0.0.0', 8, 'unspecified'],
  ['127.0.0.0', 8, 'loopback'],
  ['10.0.0.0', 8, 'private'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['100.64.0.0', 10, 'shared'],
  ['169.254.0.0', 16, 'link-local'],
  ['192.0.0.0', 24, 'reserved'],
  ['198.18.0.0', 15, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function ipv4Kind(address: string): AddressKind {
  const value = ipv4ToNumber(address);
  for (const [first, bits, kind] of IPV4_RANGES) {
    const size = 2 ** (32 - bits);
    const start = ipv4ToNumber(first);
    if (value >= start && value < start + size) return kind;
  }
  return 'public';
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad becomes two groups). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4ToNumber(dotted[1]!);
    text = `${text.slice(0, dotted.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  const zeros = tail === undefined ? 0 : 8 - front.length - back.length;
  return [...front, ...Array<number>(zeros).fill(0), ...back];
}

const embeddedIpv4 = (groups: number[]) =>
  [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');

function ipv6Kind(address: string): AddressKind {
  const g = ipv6Groups(address);
  const leadingZeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (leadingZeros(8)) return 'unspecified';
  if (leadingZeros(7) && g[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d (IPv4-mapped) and 64:ff9b::a.b.c.d (NAT64) reach the IPv4 address they carry.
  if (leadingZeros(5) && g[5] === 0xffff) return ipv4Kind(embeddedIpv4(g));
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    return ipv4Kind(embeddedIpv4(g));
  }
  if ((g[0]! & 0xfe00) === 0xfc00) return 'private'; // fc00::/7 unique local (AWS fd00:ec2::254)
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if ((g[0]! & 0xff00) === 0xff00) return 'multicast'; // ff00::/8
  if (leadingZeros(6)) return 'reserved'; // ::a.b.c.d, deprecated IPv4-compatible
  return 'public';
}

/** What kind of address this is; `undefined` when it is not an IP address at all. */
export function addressKind(address: string): AddressKind | undefined {
  const family = isIP(address);
  if (family === 4) return ipv4Kind(address);
  if (family === 6) return ipv6Kind(address);
  return undefined;
}

const DESCRIPTIONS: Record<Exclude<AddressKind, 'public'>, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  metadata: 'the cloud metadata address',
  unspecified: 'an unspecified address',
  shared: 'a shared (carrier-grade NAT) address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

/**
 * Why a delivery may not connect to `address` ("a private address"), or undefined when it may.
 * Loopback is allowed only when the local runtime says so (ALLOW_LOOPBACK_HTTP); never on AWS.
 */
export function refusalOf(
  address: string,
  options: { allowLoopback: boolean },
): string | undefined {
  const kind = addressKind(address);
  if (kind === undefined) return 'not an IP address';
  if (kind === 'public' || (kind === 'loopback' && options.allowLoopback)) return undefined;
  return DESCRIPTIONS[kind];
}
