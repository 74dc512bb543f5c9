import { describe, expect, it } from "vitest";
import { healthByProbe, verifyByProbe, type Probe } from "./probe.js";
import { SendError } from "../../core/dispatch/send-error.js";

const refusal =
  (kind: "permanent" | "retryable" | "throttled", code: string): Probe =>
  async () => {
    throw new SendError({ kind, code, message: "m" });
  };
const accepted: Probe = async () => undefined;
const crashing: Probe = async () => Promise.reject(new Error("boom"));

describe("probe-based verify and health", () => {
  it.each([
    ["accepted", accepted, "connected", null],
    ["credentials refused", refusal("permanent", "provider_auth_failed"), "error", "provider_auth_failed: m"],
    ["provider unreachable", refusal("retryable", "provider_unreachable"), "disconnected", "provider_unreachable: m"],
    ["provider failing", refusal("retryable", "provider_unavailable"), "error", "provider_unavailable: m"],
    ["unclassified throw", crashing, "error", "unknown: Error: boom"],
  ] as const)("health when %s", async (_n, probe, status, errorMessage) => {
    const h = await healthByProbe(probe);
    expect([h.status, h.errorMessage]).toEqual([status, errorMessage]);
    expect(h.latencyMs === null).toBe(status !== "connected");
  });

  it("verify answers yes or no with the provider's reason, and an outage is not an answer", async () => {
    await expect(verifyByProbe(accepted)).resolves.toEqual({ valid: true });
    await expect(verifyByProbe(refusal("permanent", "provider_auth_failed"))).resolves.toEqual({
      valid: false,
      code: "provider_auth_failed",
      reason: "m",
    });
    await expect(verifyByProbe(refusal("retryable", "provider_unreachable"))).rejects.toMatchObject({
      code: "provider_unreachable",
    });
  });
});
