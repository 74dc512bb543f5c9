import { describe, expect, it } from "vitest";
import { decide } from "./rate-limits.js";

const W = 60_000;
const start = new Date("2026-01-01T00:00:00Z");
const at = (ms: number) => new Date(start.getTime() + ms);

describe("sliding-window decision", () => {
  it("weighs the previous window by its remaining overlap", () => {
    // 40 s into the window: a third of the previous window still counts.
    const d = decide({ current: 50, previous: 90, windowStart: start }, at(40_000), W, 100);
    expect(d.allowed).toBe(true);
    expect(d.remaining).toBe(20);
    expect(d.resetSeconds).toBe(20);
  });

  it("refuses over the limit and says when to come back", () => {
    const d = decide({ current: 90, previous: 60, windowStart: start }, at(10_000), W, 100);
    // estimate = 60 * (5/6) + 90 = 140; allowed again once 60 * (1 - (10+t)/60) + 90 <= 100 → t ≈ 40 s
    expect(d.allowed).toBe(false);
    expect(d.retryAfterSeconds).toBe(40);
    const full = decide({ current: 150, previous: 0, windowStart: start }, at(30_000), W, 100);
    expect(full.allowed).toBe(false);
    expect(full.retryAfterSeconds).toBeGreaterThanOrEqual(30);
  });
});
