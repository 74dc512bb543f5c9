/**
 * Where an adapter may connect when a tenant chose the host (an SMTP or SMPP channel's host). The
 * dispatcher runs inside the cluster, so an unchecked host turns every channel into a probe of the
 * internal network. The host is resolved once, the address is classified (loopback, private,
 * link-local, CGNAT, unique-local, cloud metadata … are refused) and the adapter connects to that
 * very address, so no second resolution can swap it between the check and the connect. An
 * operator allow-list (CIDRs and host names) lets chosen internal destinations through: the test
 * stacks and the simulator live on 127.0.0.1.
 */

import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { SendError } from "../../core/dispatch/send-error.js";

/** Why an address is not a public destination; "public" when it is one. */
export type AddressClass =
  | "public"
  | "unspecified"
  | "loopback"
  | "private"
  | "link_local"
  | "cgnat"
  | "unique_local"
  | "metadata"
  | "multicast"
  | "reserved";

/** An operator's exceptions: addresses inside these CIDRs, and these host names, may be dialled. */
export interface OutboundPolicy {
  readonly allowedNets: BlockList;
  readonly allowedHosts: ReadonlySet<string>;
  /** The allow-list as written, for logs and the configuration check. */
  readonly spec: string;
}

export type Lookup = (host: string) => Promise<{ address: string; family: number }>;

/** Refuses every non-public destination: what an adapter gets when nobody configured otherwise. */
export const STRICT_OUTBOUND: OutboundPolicy = outboundPolicy("");

/**
 * Parses `OUTBOUND_ALLOW`: comma-separated CIDRs (`127.0.0.0/8`, `::1/128`), bare addresses
 * (a /32 or /128) and host names (`smtp.internal.example`). Throws on a malformed CIDR so a typo
 * stops the process instead of silently allowing nothing.
 */
export function outboundPolicy(spec: string | undefined): OutboundPolicy {
  const allowedNets = new BlockList();
  const allowedHosts = new Set<string>();
  for (const raw of (spec ?? "").split(",")) {
    const item = raw.trim();
    if (!item) continue;
    const [addr, prefix] = item.split("/");
    const family = isIP(addr ?? "");
    if (family === 0) {
      if (prefix !== undefined || !/^[a-z0-9.-]+$/i.test(item)) throw new Error(`OUTBOUND_ALLOW: bad entry "${item}"`);
      allowedHosts.add(normaliseHost(item));
      continue;
    }
    const type = family === 4 ? "ipv4" : "ipv6";
    const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
    if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128))
      throw new Error(`OUTBOUND_ALLOW: bad prefix in "${item}"`);
    allowedNets.addSubnet(addr!, bits, type);
  }
  return { allowedNets, allowedHosts, spec: spec ?? "" };
}

function normaliseHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, "");
}

// Ranges that are not the public internet (RFC 6890 and the providers' metadata endpoints).
// Metadata first: 169.254.169.254 is link-local too, and the sharper name is the useful one.
const V4_RANGES: Array<[string, number, AddressClass]> = [
  ["169.254.169.254", 32, "metadata"], // AWS, GCP, Azure, OpenStack
  ["100.100.100.200", 32, "metadata"], // Alibaba Cloud
  ["0.0.0.0", 8, "unspecified"], // "this network": 0.0.0.0 connects to the local host on Linux
  ["127.0.0.0", 8, "loopback"],
  ["10.0.0.0", 8, "private"],
  ["172.16.0.0", 12, "private"],
  ["192.168.0.0", 16, "private"],
  ["169.254.0.0", 16, "link_local"],
  ["100.64.0.0", 10, "cgnat"],
  ["192.0.0.0", 24, "reserved"], // IETF protocol assignments
  ["192.0.2.0", 24, "reserved"], // documentation
  ["198.18.0.0", 15, "reserved"], // benchmarking
  ["198.51.100.0", 24, "reserved"],
  ["203.0.113.0", 24, "reserved"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"], // includes 255.255.255.255
];

const V6_RANGES: Array<[string, number, AddressClass]> = [
  ["fd00:ec2::254", 128, "metadata"], // AWS over IPv6
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["fe80::", 10, "link_local"],
  ["fc00::", 7, "unique_local"],
  ["fec0::", 10, "private"], // deprecated site-local, still routed inside some networks
  ["ff00::", 8, "multicast"],
  ["100::", 64, "reserved"], // discard-only
  ["2001:db8::", 32, "reserved"], // documentation
  ["::", 96, "reserved"], // IPv4-compatible (deprecated)
];

const rangeLists = (() => {
  const build = (ranges: Array<[string, number, AddressClass]>, type: "ipv4" | "ipv6") =>
    ranges.map(([net, bits, cls]) => {
      const list = new BlockList();
      list.addSubnet(net, bits, type);
      return { list, cls, type };
    });
  return { v4: build(V4_RANGES, "ipv4"), v6: build(V6_RANGES, "ipv6") };
})();

/** The eight 16-bit groups of an IPv6 address (which must be valid). */
function v6Groups(address: string): number[] {
  let text = address.split("%")[0]!.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const b = dotted[1]!.split(".").map(Number);
    text =
      text.slice(0, -dotted[1]!.length) +
      `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const parse = (s: string) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

function v4From(hi: number, lo: number): string {
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join(".");
}

/**
 * The IPv4 address an IPv6 address carries and delivers to, if any: v4-mapped (::ffff:a.b.c.d),
 * NAT64 (64:ff9b::/96) and 6to4 (2002::/16). Each reaches the embedded IPv4 host, so each is
 * judged as that host.
 */
export function embeddedV4(address: string): string | undefined {
  const g = v6Groups(address);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return v4From(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4From(g[6]!, g[7]!);
  if (g[0] === 0x2002) return v4From(g[1]!, g[2]!);
  return undefined;
}

/** What kind of destination an IP address is. Anything that is not an IP literal is "reserved". */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 4) {
    for (const r of rangeLists.v4) if (r.list.check(address, "ipv4")) return r.cls;
    return "public";
  }
  if (family === 6) {
    const v4 = embeddedV4(address);
    if (v4 !== undefined) return classifyAddress(v4);
    const bare = address.split("%")[0]!;
    for (const r of rangeLists.v6) if (r.list.check(bare, "ipv6")) return r.cls;
    return "public";
  }
  return "reserved";
}

function allowedByPolicy(policy: OutboundPolicy, host: string, address: string): boolean {
  if (policy.allowedHosts.has(normaliseHost(host))) return true;
  const family = isIP(address);
  if (family === 4) return policy.allowedNets.check(address, "ipv4");
  const bare = address.split("%")[0]!;
  if (policy.allowedNets.check(bare, "ipv6")) return true;
  const v4 = embeddedV4(bare);
  return v4 !== undefined && policy.allowedNets.check(v4, "ipv4");
}

/** The address to connect to, checked; with the host name kept for TLS (SNI and certificate checks). */
export interface CheckedDestination {
  host: string;
  address: string;
  family: 4 | 6;
  addressClass: AddressClass;
}

/**
 * Resolves a tenant-chosen host once and returns the address to connect to, or throws a permanent
 * SendError `destination_forbidden` when it is not a public address and the operator did not allow
 * it. The error names the address class, never the address or anything the host answered. A name
 * that does not resolve is `provider_unreachable` (retryable: DNS may come back).
 */
export async function checkedDestination(
  host: string,
  policy: OutboundPolicy,
  lookup: Lookup = (h) => dnsLookup(h, { verbatim: true }),
): Promise<CheckedDestination> {
  let resolved: { address: string; family: number };
  try {
    // getaddrinfo accepts decimal (2130706433), octal (0177.0.0.1) and short (127.1) IPv4 forms;
    // judging the address it returns covers them all.
    resolved = await lookup(host.replace(/^\[|\]$/g, ""));
  } catch (err) {
    throw new SendError({
      kind: "retryable",
      code: "provider_unreachable",
      providerCode: (err as NodeJS.ErrnoException).code ?? "EDNS",
      message: `host does not resolve: ${(err as NodeJS.ErrnoException).code ?? "EDNS"}`,
    });
  }
  const addressClass = classifyAddress(resolved.address);
  if (addressClass !== "public" && !allowedByPolicy(policy, host, resolved.address)) {
    throw new SendError({
      kind: "permanent",
      code: "destination_forbidden",
      providerCode: addressClass,
      message: `the host resolves to a ${addressClass} address, which is not allowed`,
    });
  }
  return { host, address: resolved.address, family: resolved.family === 6 ? 6 : 4, addressClass };
}
