import { describe, expect, it } from "vitest";
import { SendError } from "../../core/dispatch/send-error.js";
import {
  STRICT_OUTBOUND,
  checkedDestination,
  classifyAddress,
  embeddedV4,
  outboundPolicy,
  type Lookup,
} from "./outbound-address.js";

describe("classifyAddress", () => {
  it.each([
    // IPv4
    ["8.8.8.8", "public"],
    ["1.1.1.1", "public"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.5", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.1", "public"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "metadata"],
    ["100.100.100.200", "metadata"],
    ["169.254.1.1", "link_local"],
    ["100.64.0.1", "cgnat"],
    ["100.127.255.255", "cgnat"],
    ["100.128.0.1", "public"],
    ["192.0.0.8", "reserved"],
    ["198.18.0.1", "reserved"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    // IPv6
    ["2606:4700:4700::1111", "public"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["fe80::1", "link_local"],
    ["fe80::1%eth0", "link_local"],
    ["fc00::1", "unique_local"],
    ["fd12:3456::1", "unique_local"],
    ["fd00:ec2::254", "metadata"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "reserved"],
    // IPv4 inside IPv6: judged as the IPv4 host they reach
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:169.254.169.254", "metadata"],
    ["::ffff:8.8.8.8", "public"],
    ["64:ff9b::a00:5", "private"],
    ["64:ff9b::808:808", "public"],
    ["2002:7f00:1::", "loopback"],
    ["2002:a9fe:a9fe::1", "metadata"],
    ["::127.0.0.1", "reserved"],
    // not an IP literal at all
    ["localhost", "reserved"],
  ])("%s is %s", (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it("extracts the IPv4 host of mapped, NAT64 and 6to4 addresses only", () => {
    expect(embeddedV4("::ffff:192.168.0.1")).toBe("192.168.0.1");
    expect(embeddedV4("64:ff9b::c0a8:1")).toBe("192.168.0.1");
    expect(embeddedV4("2002:c0a8:1::1")).toBe("192.168.0.1");
    expect(embeddedV4("2606:4700::1")).toBeUndefined();
  });
});

describe("checkedDestination", () => {
  const fixed =
    (address: string, family = address.includes(":") ? 6 : 4): Lookup =>
    async () => ({ address, family });

  it.each([
    // decimal, octal, hex and short IPv4 forms as the system resolver reads them
    ["2130706433", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0x7f.0.0.1", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["017700000001", "127.0.0.1"],
    ["0xa9.0xfe.0xa9.0xfe", "169.254.169.254"],
  ])("the system resolver turns %s into %s, and it is refused", async (host, address) => {
    const err = await checkedDestination(host, STRICT_OUTBOUND).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError).code).toBe("destination_forbidden");
    const resolved = await checkedDestination(host, outboundPolicy("0.0.0.0/0"));
    expect(resolved.address).toBe(address);
  });

  it("refuses a name that resolves to a private address, naming the class and nothing the host said", async () => {
    const err = (await checkedDestination("mail.evil.example", STRICT_OUTBOUND, fixed("10.0.0.5")).catch(
      (e: unknown) => e,
    )) as SendError;
    expect(err).toMatchObject({ kind: "permanent", code: "destination_forbidden", providerCode: "private" });
    expect(err.message).not.toContain("10.0.0.5");
  });

  it("returns the checked address, so the caller connects to exactly what was judged", async () => {
    let calls = 0;
    const flipping: Lookup = async () =>
      ++calls === 1 ? { address: "8.8.8.8", family: 4 } : { address: "127.0.0.1", family: 4 };
    const d = await checkedDestination("rebind.example", STRICT_OUTBOUND, flipping);
    expect(d).toEqual({ host: "rebind.example", address: "8.8.8.8", family: 4, addressClass: "public" });
    expect(calls).toBe(1);
  });

  it("lets the operator's CIDRs and host names through, and nothing else", async () => {
    const policy = outboundPolicy(" 127.0.0.0/8, ::1 ,smtp.corp.example. , 10.20.0.0/16");
    await expect(checkedDestination("a", policy, fixed("127.0.0.1"))).resolves.toMatchObject({
      address: "127.0.0.1",
      addressClass: "loopback",
    });
    await expect(checkedDestination("a", policy, fixed("::1"))).resolves.toMatchObject({ family: 6 });
    await expect(checkedDestination("a", policy, fixed("::ffff:127.0.0.1"))).resolves.toMatchObject({
      addressClass: "loopback",
    });
    await expect(checkedDestination("SMTP.corp.example", policy, fixed("10.9.9.9"))).resolves.toMatchObject({
      address: "10.9.9.9",
    });
    await expect(checkedDestination("b", policy, fixed("10.20.3.4"))).resolves.toMatchObject({ address: "10.20.3.4" });
    await expect(checkedDestination("b", policy, fixed("10.21.3.4"))).rejects.toMatchObject({
      code: "destination_forbidden",
    });
    await expect(checkedDestination("b", policy, fixed("169.254.169.254"))).rejects.toMatchObject({
      providerCode: "metadata",
    });
  });

  it("a public address needs no allow-list", async () => {
    await expect(checkedDestination("smtp.example", STRICT_OUTBOUND, fixed("93.184.216.34"))).resolves.toMatchObject({
      address: "93.184.216.34",
    });
  });

  it("a name that does not resolve is retryable and says only the resolver's code", async () => {
    const failing: Lookup = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND x"), { code: "ENOTFOUND" });
    };
    await expect(checkedDestination("x.invalid", STRICT_OUTBOUND, failing)).rejects.toMatchObject({
      kind: "retryable",
      code: "provider_unreachable",
      providerCode: "ENOTFOUND",
    });
  });

  it.each(["10.0.0.0/33", "::1/129", "not a host!", "example.com/8"])("refuses the allow-list entry %s", (spec) => {
    expect(() => outboundPolicy(spec)).toThrow(/OUTBOUND_ALLOW/);
  });
});
