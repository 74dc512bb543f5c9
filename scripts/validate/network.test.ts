import { describe, expect, it } from "vitest";
import { allows, inCidr } from "./network.js";

const deny = { spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } };
const web = { app: "web" };

describe("NetworkPolicy evaluation", () => {
  it("lets everything through to a pod no policy selects, nothing once one does", () => {
    expect(allows([], web, "Ingress", { number: 80 }, { namespace: "x" })).toBe(true);
    expect(allows([deny], web, "Ingress", { number: 80 }, {})).toBe(false);
    expect(allows([deny], web, "Egress", { number: 53, protocol: "UDP" }, { ip: "8.8.8.8" })).toBe(false);
  });

  it("matches ports by number or name and peers by namespace, pod labels and address", () => {
    const allow = {
      spec: {
        podSelector: { matchLabels: web },
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "edge" } } }],
            ports: [{ port: "http" }],
          },
        ],
        egress: [
          { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }], ports: [{ protocol: "TCP", port: 443 }] },
        ],
      },
    };
    const ps = [deny, allow];
    expect(allows(ps, web, "Ingress", { number: 3000, name: "http" }, { namespace: "edge" })).toBe(true);
    expect(allows(ps, web, "Ingress", { number: 3000, name: "http" }, { namespace: "other" })).toBe(false);
    expect(allows(ps, web, "Ingress", { number: 3000, name: "http" }, {})).toBe(false);
    expect(allows(ps, web, "Ingress", { number: 9464, name: "metrics" }, { namespace: "edge" })).toBe(false);
    expect(allows(ps, web, "Egress", { number: 443 }, { ip: "203.0.113.10" })).toBe(true);
    expect(allows(ps, web, "Egress", { number: 443 }, { ip: "10.96.0.1" })).toBe(false);
    expect(allows(ps, web, "Egress", { number: 443, protocol: "UDP" }, { ip: "203.0.113.10" })).toBe(false);
    expect(allows(ps, { app: "db" }, "Egress", { number: 443 }, { ip: "10.96.0.1" })).toBe(false);
  });

  it("tells addresses inside a CIDR from those outside", () => {
    expect(inCidr("172.20.1.1", "172.16.0.0/12")).toBe(true);
    expect(inCidr("172.32.0.1", "172.16.0.0/12")).toBe(false);
    expect(inCidr("1.2.3.4", "0.0.0.0/0")).toBe(true);
  });
});
