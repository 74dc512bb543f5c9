import { describe, expect, it } from "vitest";
import { nextCallbackAttempt } from "./retry-schedule.js";

const first = new Date("2026-11-27T00:00:00Z");
const at = (ms: number) => new Date(first.getTime() + ms);
const DAY = 86_400_000;

describe("callback retry schedule", () => {
  it("doubles the step per attempt, jittered within its upper half", () => {
    const delay = (attempts: number, r: number) => {
      const d = nextCallbackAttempt({
        attempts,
        firstAttemptAt: first,
        now: first,
        retryPeriodMs: DAY,
        random: () => r,
      });
      return "retryAt" in d ? d.retryAt.getTime() - first.getTime() : -1;
    };
    expect([delay(1, 0), delay(1, 1)]).toEqual([2_500, 5_000]);
    expect([delay(2, 0), delay(2, 1)]).toEqual([5_000, 10_000]);
    expect([delay(4, 0.5)]).toEqual([30_000]);
    // Capped at an hour however many attempts failed.
    expect(delay(40, 1)).toBe(3_600_000);
  });

  it("never schedules past the retry period, and gives up once it is over", () => {
    const near = nextCallbackAttempt({ attempts: 20, firstAttemptAt: first, now: at(DAY - 1_000), retryPeriodMs: DAY });
    expect(near).toEqual({ retryAt: at(DAY) });
    expect(nextCallbackAttempt({ attempts: 21, firstAttemptAt: first, now: at(DAY), retryPeriodMs: DAY })).toEqual({
      giveUp: true,
    });
  });
});
