import { describe, expect, it } from "vitest";
import { closedBreaker, isOpen, recordOutcomes } from "./circuit-breaker.js";

const cfg = { threshold: 5, openMs: 30_000 };

describe("circuit breaker", () => {
  it("opens after the threshold of consecutive retryable failures", () => {
    let s = closedBreaker();
    s = recordOutcomes(s, cfg, 0, { ok: 0, retryableFailures: 4 });
    expect(isOpen(s, 0)).toBe(false);
    s = recordOutcomes(s, cfg, 1_000, { ok: 0, retryableFailures: 1 });
    expect(isOpen(s, 1_000)).toBe(true);
    expect(isOpen(s, 31_000)).toBe(false); // half-open: a trial batch may go
  });
  it("closes on any success and ignores permanent-only batches", () => {
    let s = recordOutcomes(closedBreaker(), cfg, 0, { ok: 0, retryableFailures: 10 });
    s = recordOutcomes(s, cfg, 40_000, { ok: 1, retryableFailures: 3 });
    expect(s).toEqual(closedBreaker());
    expect(recordOutcomes(s, cfg, 0, { ok: 0, retryableFailures: 0 })).toBe(s);
  });
});
