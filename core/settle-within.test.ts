import { afterEach, describe, expect, it, vi } from "vitest";
import { settleWithin } from "./settle-within.js";

afterEach(() => vi.useRealTimers());

describe("settleWithin", () => {
  it("answers settled when the work finishes in time, fulfilled or rejected", async () => {
    await expect(settleWithin(Promise.resolve(1), 1_000)).resolves.toBe("settled");
    await expect(settleWithin(Promise.reject(new Error("x")), 1_000)).resolves.toBe("settled");
  });

  it("answers late at the deadline when the work never finishes", async () => {
    vi.useFakeTimers();
    const r = settleWithin(new Promise(() => undefined), 3_000);
    let answer: string | undefined;
    void r.then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(2_999);
    expect(answer).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(answer).toBe("late");
  });

  it("does not leave an unhandled rejection when the work fails after the deadline", async () => {
    vi.useFakeTimers();
    let fail!: (e: Error) => void;
    const work = new Promise((_, reject) => (fail = reject));
    const r = settleWithin(work, 10);
    await vi.advanceTimersByTimeAsync(10);
    await expect(r).resolves.toBe("late");
    fail(new Error("closed late"));
    await vi.advanceTimersByTimeAsync(0);
  });
});
