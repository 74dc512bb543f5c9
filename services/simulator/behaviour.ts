/**
 * The simulator's dice: latency, faults and receipt outcomes drawn per request from a provider's
 * configured behaviour.
 */

import type { ProviderBehaviour } from "./config.js";

export type Fault = "throttle" | "error" | "timeout" | null;

/** Randomness is injectable so tests can make outcomes certain. */
export class Dice {
  constructor(private readonly random: () => number = Math.random) {}

  latency(b: ProviderBehaviour): number {
    if (typeof b.latencyMs === "number") return b.latencyMs;
    const [min, max] = b.latencyMs;
    return min + this.random() * Math.max(0, max - min);
  }

  fault(b: ProviderBehaviour): Fault {
    const r = this.random();
    if (r < b.throttleRate) return "throttle";
    if (r < b.throttleRate + b.errorRate) return "error";
    if (r < b.throttleRate + b.errorRate + b.timeoutRate) return "timeout";
    return null;
  }

  outcome(b: ProviderBehaviour): "delivered" | "failed" {
    const total = b.outcomes.delivered + b.outcomes.failed;
    if (total <= 0) return "delivered";
    return this.random() * total < b.outcomes.delivered ? "delivered" : "failed";
  }
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
