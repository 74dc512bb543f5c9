import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { embeddedResiliency } from "./resiliency.js";

const shipped = readFileSync(new URL("../../dapr/resiliency/resiliency.yaml", import.meta.url), "utf8");

describe("the embedded set's resiliency policy", () => {
  it("lets a publish wait for the in-memory broker and never trips a breaker on it; the rest is the shipped policy", () => {
    const before = parse(shipped);
    const after = parse(embeddedResiliency(shipped));
    expect(before.spec.policies.timeouts.publish).toBe("20s");
    expect(after.spec.policies.timeouts.publish).toBe("60s");
    expect(before.spec.targets.components.pubsub.outbound.circuitBreaker).toBe("componentBreaker");
    expect(after.spec.targets.components.pubsub.outbound).toEqual({ timeout: "publish", retry: "publishRetry" });
    // Everything else is untouched: actors, the state store, inbound redelivery.
    after.spec.policies.timeouts.publish = "20s";
    after.spec.targets.components.pubsub.outbound.circuitBreaker = "componentBreaker";
    expect(after).toEqual(before);
  });
});
