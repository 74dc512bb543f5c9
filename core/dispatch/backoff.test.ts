import { describe, expect, it } from "vitest";
import { retryDelayMs } from "./backoff.js";

describe("retry backoff", () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [4, 8_000],
    [5, 16_000],
    [6, 30_000],
    [20, 30_000],
  ])("attempt %i waits %i ms without jitter", (attempt, ms) => {
    expect(retryDelayMs(attempt, () => 0.5)).toBe(ms);
  });
  it("keeps jitter within ±20 % and under the cap", () => {
    expect(retryDelayMs(3, () => 0)).toBe(3_200);
    expect(retryDelayMs(3, () => 1)).toBe(4_800);
    expect(retryDelayMs(6, () => 1)).toBe(30_000);
  });
});
