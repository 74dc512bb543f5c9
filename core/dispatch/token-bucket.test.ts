import { describe, expect, it } from "vitest";
import { block, giveBack, msUntilToken, newBucket, take } from "./token-bucket.js";

const cfg = { ratePerMinute: 600, burst: 10 }; // 10/s

describe("token bucket", () => {
  it("starts with one token and refills at the configured rate up to the burst", () => {
    let s = newBucket(cfg, 0);
    let r = take(s, cfg, 0, 5);
    expect(r.granted).toBe(1);
    s = r.state;
    r = take(s, cfg, 500, 100); // 0.5 s → 5 tokens
    expect(r.granted).toBe(5);
    r = take(r.state, cfg, 60_000, 100); // a minute later: capped at the burst
    expect(r.granted).toBe(10);
  });

  it("never grants more than rate × time + burst over any window", () => {
    let s = newBucket(cfg, 0);
    let total = 0;
    for (let t = 0; t <= 10_000; t += 37) {
      const r = take(s, cfg, t, 7);
      s = r.state;
      total += r.granted;
    }
    expect(total).toBeLessThanOrEqual(1 + (10_000 * 600) / 60_000);
    expect(total).toBeGreaterThanOrEqual((10_000 * 600) / 60_000 - 1);
  });

  it("grants nothing while blocked by a provider's retry-after, then resumes from empty", () => {
    let s = newBucket(cfg, 0);
    s = take(s, cfg, 2_000, 0).state;
    s = block(s, 2_000, 5_000);
    expect(take(s, cfg, 4_999, 10).granted).toBe(0);
    expect(msUntilToken(s, cfg, 2_000)).toBe(3_000);
    const after = take(s, cfg, 5_000, 10);
    expect(after.granted).toBe(10); // refilled while blocked, capped at the burst
  });

  it("returns unused tokens without exceeding the burst", () => {
    const s = giveBack({ tokens: 9, updatedAt: 0, blockedUntil: 0 }, cfg, 5);
    expect(s.tokens).toBe(10);
  });

  it("tells how long until the next token", () => {
    const s = { tokens: 0.5, updatedAt: 0, blockedUntil: 0 };
    expect(msUntilToken(s, cfg, 0)).toBe(50);
    expect(msUntilToken({ tokens: 2, updatedAt: 0, blockedUntil: 0 }, cfg, 0)).toBe(0);
  });
});
