import { BlockList, isIP } from 'node:net';

/*
 * The names the household CA may vouch for (its NameConstraints) and the names the hub's
 * browser certificate carries. Pure: the interfaces, the host name and the configured extra
 * names come in, so a table of cases can test it.
 *
 * Permitted: the host name, host.local, localhost (each with its subdomains, as RFC 5280
 * reads a DNS subtree), loopback, the subnet of each private LAN address (so a new DHCP
 * lease on the same network stays covered), the host address alone for a public one (a
 * subnet there would be other people's machines), and the configured extra names: a DNS
 * name, an address (alone), or a subnet in CIDR form (room for a tunnel's addresses).
 * Link-local addresses are left out: no phone browses to them.
 */

export type ExtraName = { kind: 'dns'; value: string } | { kind: 'ip'; value: string } | { kind: 'subnet'; value: string };

/** What the CA permits: DNS subtrees and IP subnets in CIDR form (network address / prefix). */
export interface PermittedNames {
  dns: string[];
  subnets: string[];
}

/** What the certificate names now. */
export interface CertificateNames {
  dns: string[];
  ips: string[];
}

export interface InterfaceAddress {
  address: string;
  cidr: string | null;
  internal: boolean;
}

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A DNS name as certificates carry it (lower case, no trailing dot), or null when it is not one. */
export function dnsName(text: string): string | null {
  const name = text.trim().toLowerCase().replace(/\.$/, '');
  if (!name || name.length > 253 || isIP(name)) return null;
  return name.split('.').every((label) => DNS_LABEL.test(label)) ? name : null;
}

/** Reads one configured extra name; throws saying what is wrong with it. */
export function parseExtraName(text: string): ExtraName {
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const address = text.slice(0, slash);
    const prefixText = text.slice(slash + 1);
    const family = isIP(address);
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    const max = family === 6 ? 128 : 32;
    if (!family || !(prefix >= 0 && prefix <= max)) throw new Error(`"${text}" is not a subnet: write it as address/prefix, like 10.44.0.0/24`);
    // A very wide subnet would let the CA vouch for much of the internet: that is what the constraint is there to stop.
    if (prefix < (family === 6 ? 48 : 8)) throw new Error(`"${text}" is too wide a subnet for the household CA (at most /8 for IPv4, /48 for IPv6)`);
    const value = networkOf(address, prefix);
    // A subnet is room for many machines: only a home network's or a tunnel's, never other people's.
    if (!privateSubnet(value)) {
      throw new Error(`"${text}" is not a private subnet: the household CA covers only home-network and tunnel ranges (10/8, 172.16/12, 192.168/16, 100.64/10, 127/8, fc00::/7, ::1)`);
    }
    return { kind: 'subnet', value };
  }
  if (isIP(text)) return { kind: 'ip', value: canonicalIp(text) };
  const dns = dnsName(text);
  if (!dns) throw new Error(`"${text}" is neither a DNS name, an IP address nor a subnet`);
  // A DNS subtree covers every name below it: one label ("com", "lan") would be a whole top-level domain.
  if (!dns.includes('.')) throw new Error(`"${text}" is a single label, which would let the household CA vouch for every name under it: give a full name like cameras.example.org`);
  return { kind: 'dns', value: dns };
}

/** The ranges a configured subnet must lie within: RFC 1918, CGNAT (RFC 6598), ULA, loopback. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8', 'fc00::/7', '::1/128'];

/** Whether the whole subnet (network address / prefix) lies in one private range. */
export function privateSubnet(subnet: string): boolean {
  const [net = '', prefix = ''] = subnet.split('/');
  return PRIVATE_RANGES.some((range) => {
    const [rangeNet = '', rangePrefix = ''] = range.split('/');
    return isIP(rangeNet) === isIP(net) && Number(prefix) >= Number(rangePrefix) && ipCovered(net, [range]);
  });
}

function ipBytes(address: string): number[] {
  if (isIP(address) === 4) return address.split('.').map(Number);
  const [head = '', tail = ''] = address.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  let left = groups(head);
  let right = address.includes('::') ? groups(tail) : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) as two groups.
  const fix = (list: string[]) => {
    const last = list[list.length - 1];
    if (last && last.includes('.')) {
      const b = last.split('.').map(Number);
      return [...list.slice(0, -1), (((b[0] ?? 0) << 8) | (b[1] ?? 0)).toString(16), (((b[2] ?? 0) << 8) | (b[3] ?? 0)).toString(16)];
    }
    return list;
  };
  left = fix(left);
  right = fix(right);
  const all = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return all.flatMap((g) => {
    const n = parseInt(g, 16);
    return [(n >> 8) & 0xff, n & 0xff];
  });
}

function ipText(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  // The shortest form, as Node and OpenSSL print it: the longest run of zero groups becomes ::.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

export function canonicalIp(address: string): string {
  return ipText(ipBytes(address));
}

/** The subnet holding `address` with `prefix` bits, in CIDR form with its network address. */
export function networkOf(address: string, prefix: number): string {
  const bytes = ipBytes(address).map((b, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - bits)) & 0xff);
  });
  return `${ipText(bytes)}/${prefix}`;
}

/** Whether an address is one only a home network (or a tunnel) uses: RFC 1918, CGNAT, ULA. */
function isPrivate(address: string): boolean {
  const list = new BlockList();
  list.addSubnet('10.0.0.0', 8, 'ipv4');
  list.addSubnet('172.16.0.0', 12, 'ipv4');
  list.addSubnet('192.168.0.0', 16, 'ipv4');
  list.addSubnet('100.64.0.0', 10, 'ipv4');
  list.addSubnet('fc00::', 7, 'ipv6');
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

function isLinkLocal(address: string): boolean {
  const list = new BlockList();
  list.addSubnet('169.254.0.0', 16, 'ipv4');
  list.addSubnet('fe80::', 10, 'ipv6');
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

function lanAddresses(interfaces: Record<string, InterfaceAddress[] | undefined>): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      const address = a.address.split('%')[0]!;
      if (!a.internal && isIP(address) && !isLinkLocal(address)) out.push({ ...a, address: canonicalIp(address) });
    }
  }
  return out;
}

const LOOPBACK = ['127.0.0.0/8', '::1/128'];

/** What a new household CA permits, given the machine as it is now and the configured extras. */
export function permittedNames(host: string, interfaces: Record<string, InterfaceAddress[] | undefined>, extra: readonly ExtraName[]): PermittedNames {
  const hostName = dnsName(host);
  const dns = [...(hostName ? [hostName, `${hostName}.local`] : []), 'localhost', ...extra.filter((e) => e.kind === 'dns').map((e) => e.value)];
  const subnets = [...LOOPBACK];
  for (const a of lanAddresses(interfaces)) {
    const prefix = Number(a.cidr?.split('/')[1]);
    const full = isIP(a.address) === 6 ? 128 : 32;
    subnets.push(isPrivate(a.address) && Number.isInteger(prefix) ? networkOf(a.address, prefix) : `${a.address}/${full}`);
  }
  for (const e of extra) {
    if (e.kind === 'ip') subnets.push(`${e.value}/${isIP(e.value) === 6 ? 128 : 32}`);
    if (e.kind === 'subnet') subnets.push(e.value);
  }
  return { dns: [...new Set(dns)], subnets: [...new Set(subnets)] };
}

/** The names the browser certificate should carry now: host, host.local, localhost, the addresses, the extras. */
export function wantedNames(host: string, interfaces: Record<string, InterfaceAddress[] | undefined>, extra: readonly ExtraName[]): CertificateNames {
  const hostName = dnsName(host);
  const dns = [...(hostName ? [hostName, `${hostName}.local`] : []), 'localhost', ...extra.filter((e) => e.kind === 'dns').map((e) => e.value)];
  const ips = ['127.0.0.1', '::1', ...lanAddresses(interfaces).map((a) => a.address), ...extra.filter((e) => e.kind === 'ip').map((e) => e.value)];
  return { dns: [...new Set(dns)], ips: [...new Set(ips)] };
}

/** Whether a DNS name falls in a permitted subtree (the name itself or below it, RFC 5280 4.2.1.10). */
export function dnsCovered(name: string, permitted: readonly string[]): boolean {
  const n = name.toLowerCase();
  return permitted.some((base) => n === base || n.endsWith(`.${base}`));
}

export function ipCovered(address: string, subnets: readonly string[]): boolean {
  const list = new BlockList();
  for (const s of subnets) {
    const [net = '', prefix = ''] = s.split('/');
    list.addSubnet(net, Number(prefix), isIP(net) === 6 ? 'ipv6' : 'ipv4');
  }
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** Splits the wanted names into those the CA covers (they go in the certificate) and the rest. */
export function coveredNames(wanted: CertificateNames, permitted: PermittedNames): { names: CertificateNames; uncovered: string[] } {
  const dns = wanted.dns.filter((d) => dnsCovered(d, permitted.dns));
  const ips = wanted.ips.filter((ip) => ipCovered(ip, permitted.subnets));
  const uncovered = [...wanted.dns.filter((d) => !dns.includes(d)), ...wanted.ips.filter((ip) => !ips.includes(ip))];
  return { names: { dns, ips }, uncovered };
}
