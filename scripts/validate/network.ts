/**
 * Evaluates NetworkPolicies the way Kubernetes does, for the checks of consistency.ts: a pod
 * selected by any policy of a direction is isolated in that direction, and then a connection
 * passes only if some rule of some such policy matches both its port and its peer. Enough of the
 * API for our manifests: matchLabels selectors, namespace selectors on the namespace's name label,
 * IPv4 ipBlocks with exceptions, numeric and named ports.
 */

import type { Doc } from "./yaml-io.js";

export type Direction = "Ingress" | "Egress";
/** The other end: a pod (in our namespace unless `namespace` is set) or an address outside the cluster. */
export interface Peer {
  namespace?: string;
  labels?: Record<string, string>;
  ip?: string;
}
export interface Port {
  number: number;
  name?: string;
  protocol?: "TCP" | "UDP";
}

interface Selector {
  matchLabels?: Record<string, string>;
}
interface PolicyPeer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface Rule {
  ports?: { protocol?: string; port?: number | string }[];
  from?: PolicyPeer[];
  to?: PolicyPeer[];
}

const selects = (sel: Selector | undefined, labels: Record<string, string>) =>
  Object.entries(sel?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

const ipv4 = (ip: string) => ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);
export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits ?? 32));
  return Math.floor(ipv4(ip) / size) === Math.floor(ipv4(base!) / size);
}

function peerMatches(p: PolicyPeer, peer: Peer): boolean {
  if (p.ipBlock)
    return !!peer.ip && inCidr(peer.ip, p.ipBlock.cidr) && !p.ipBlock.except?.some((c) => inCidr(peer.ip!, c));
  if (peer.ip) return false;
  const sameNamespace = peer.namespace === undefined;
  if (p.namespaceSelector) {
    if (sameNamespace || !selects(p.namespaceSelector, { "kubernetes.io/metadata.name": peer.namespace! }))
      return false;
  } else if (!sameNamespace) return false;
  return !p.podSelector || selects(p.podSelector, peer.labels ?? {});
}

function portMatches(rule: Rule, port: Port): boolean {
  if (!rule.ports?.length) return true;
  return rule.ports.some(
    (p) =>
      (p.protocol ?? "TCP") === (port.protocol ?? "TCP") &&
      (p.port === undefined || p.port === port.number || (port.name !== undefined && p.port === port.name)),
  );
}

/** Whether the policies let `peer` reach (Ingress) or be reached by (Egress) a pod with `podLabels` on `port`. */
export function allows(
  policies: Doc[],
  podLabels: Record<string, string>,
  dir: Direction,
  port: Port,
  peer: Peer,
): boolean {
  const applicable = policies
    .map((p) => p.spec as Doc & { podSelector?: Selector; policyTypes?: string[] })
    .filter((s) => selects(s.podSelector, podLabels) && (s.policyTypes ?? ["Ingress"]).includes(dir));
  if (applicable.length === 0) return true;
  return applicable.some((s) =>
    ((s[dir === "Ingress" ? "ingress" : "egress"] ?? []) as Rule[]).some((rule) => {
      const peers = dir === "Ingress" ? rule.from : rule.to;
      return portMatches(rule, port) && (!peers?.length || peers.some((p) => peerMatches(p, peer)));
    }),
  );
}
