/**
 * IP addresses and CIDR ranges, and the policy deciding which addresses outbound requests may reach.
 * By default only public unicast addresses are allowed: loopback, private, shared (CGNAT), link-local,
 * multicast, documentation and reserved ranges are refused, and IPv6 forms that embed an IPv4 address
 * (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are judged by the embedded IPv4 address too.
 */

export interface IpAddress {
  version: 4 | 6;
  /** 32 or 128 bits. */
  value: bigint;
}

export interface CidrRange {
  version: 4 | 6;
  base: bigint;
  prefix: number;
}

export function parseIpv4(s: string): bigint | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255 || (p.length > 1 && p.startsWith("0"))) return null;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

export function parseIpv6(input: string): bigint | null {
  let s = input;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return null;
  const lastColon = s.lastIndexOf(":");
  if (lastColon >= 0 && s.slice(lastColon + 1).includes(".")) {
    // An IPv4 tail (::ffff:1.2.3.4) is the last two groups.
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parse = (h: string): bigint[] | null => {
    if (h === "") return [];
    const out: bigint[] = [];
    for (const g of h.split(":")) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
      out.push(BigInt(`0x${g}`));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !rest) return null;
  const groupsGiven = head.length + rest.length;
  let groups: bigint[];
  if (halves.length === 2) {
    if (groupsGiven > 7) return null;
    groups = [...head, ...Array<bigint>(8 - groupsGiven).fill(0n), ...rest];
  } else {
    if (groupsGiven !== 8) return null;
    groups = head;
  }
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

export function parseIp(s: string): IpAddress | null {
  const v4 = parseIpv4(s);
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = parseIpv6(s);
  return v6 === null ? null : { version: 6, value: v6 };
}

export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) return [24n, 16n, 8n, 0n].map((sh) => String((ip.value >> sh) & 0xffn)).join(".");
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((ip.value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(":");
}

/** Parses "10.0.0.0/8", "fc00::/7" or a single address (a /32 or /128 range). */
export function parseCidr(s: string): CidrRange | null {
  const [addr, bits, ...extra] = s.split("/");
  if (extra.length || addr === undefined) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  const max = ip.version === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
  if (!(prefix >= 0 && prefix <= max)) return null;
  const shift = BigInt(max - prefix);
  return { version: ip.version, base: (ip.value >> shift) << shift, prefix };
}

export function cidrContains(range: CidrRange, ip: IpAddress): boolean {
  if (range.version !== ip.version) return false;
  const shift = BigInt((ip.version === 4 ? 32 : 128) - range.prefix);
  return ip.value >> shift === range.base >> shift;
}

const cidrs = (list: string[]) => list.map((c) => parseCidr(c)!);

/** Every IPv4 range that is not ordinary public unicast. */
const NON_PUBLIC_V4 = cidrs([
  "0.0.0.0/8", // "this network"
  "10.0.0.0/8", // private
  "100.64.0.0/10", // shared address space (CGNAT)
  "127.0.0.0/8", // loopback
  "169.254.0.0/16", // link-local (cloud metadata services live here)
  "172.16.0.0/12", // private
  "192.0.0.0/24", // IETF protocol assignments
  "192.0.2.0/24", // documentation
  "192.88.99.0/24", // 6to4 relay anycast
  "192.168.0.0/16", // private
  "198.18.0.0/15", // benchmarking
  "198.51.100.0/24", // documentation
  "203.0.113.0/24", // documentation
  "224.0.0.0/4", // multicast
  "240.0.0.0/4", // reserved, and broadcast
]);

const NON_PUBLIC_V6 = cidrs([
  "::/128", // unspecified
  "::1/128", // loopback
  "100::/64", // discard-only
  "2001:db8::/32", // documentation
  "fc00::/7", // unique local
  "fe80::/10", // link-local
  "fec0::/10", // site-local (deprecated)
  "ff00::/8", // multicast
]);

/** IPv6 ranges whose low 32 bits (or bits 80-111 for 6to4) carry an IPv4 address. */
function embeddedIpv4(ip: IpAddress): IpAddress | null {
  if (ip.version !== 6) return null;
  const v = ip.value;
  if (v >> 32n === 0xffffn) return { version: 4, value: v & 0xffffffffn }; // ::ffff:a.b.c.d (mapped)
  if (v >> 32n === 0n) return { version: 4, value: v & 0xffffffffn }; // ::a.b.c.d (compatible, deprecated)
  if (v >> 32n === 0x0064ff9b0000000000000000n) return { version: 4, value: v & 0xffffffffn }; // 64:ff9b::/96 NAT64
  if (v >> 112n === 0x2002n) return { version: 4, value: (v >> 80n) & 0xffffffffn }; // 2002::/16 6to4
  return null;
}

export function isPublicAddress(ip: IpAddress): boolean {
  const embedded = embeddedIpv4(ip);
  if (embedded && !isPublicAddress(embedded)) return false;
  const ranges = ip.version === 4 ? NON_PUBLIC_V4 : NON_PUBLIC_V6;
  return !ranges.some((r) => cidrContains(r, ip));
}

export interface AddressPolicy {
  /** True when outbound requests may connect to this address. */
  allows(ip: IpAddress): boolean;
}

/**
 * Public addresses are allowed unless in `deny`; non-public ones only when in `allow`. The deny list
 * wins over the allow list.
 */
export function createAddressPolicy(opts: { allow?: readonly string[]; deny?: readonly string[] } = {}): AddressPolicy {
  const parse = (list: readonly string[] | undefined, what: string) =>
    (list ?? []).map((c) => {
      const r = parseCidr(c);
      if (!r) throw new Error(`invalid CIDR range in ${what}: ${c}`);
      return r;
    });
  const allow = parse(opts.allow, "allowlist");
  const deny = parse(opts.deny, "denylist");
  const inAny = (ranges: CidrRange[], ip: IpAddress) => {
    const e = embeddedIpv4(ip);
    return ranges.some((r) => cidrContains(r, ip) || (e !== null && cidrContains(r, e)));
  };
  return {
    allows(ip) {
      if (inAny(deny, ip)) return false;
      if (isPublicAddress(ip)) return true;
      return inAny(allow, ip);
    },
  };
}
