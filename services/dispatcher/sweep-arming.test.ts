import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../core/logger.js";
import { keepArming } from "./sweep-arming.js";

const log = createLogger("sweep-arming-test", { level: "silent" });

/** An arm() that fails while `down()` says so, and counts its calls. */
function armer(down: () => boolean = () => false) {
  const state = { calls: 0 };
  const arm = async () => {
    state.calls++;
    if (down()) throw new Error("scheduler unavailable");
  };
  return { state, arm };
}

describe("keeping the sweeper reminder armed", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("retries until placement answers, and resolves `armed` then", async () => {
    const { state, arm } = armer(() => state.calls < 3);
    const arming = keepArming(arm, log, { retryMs: 5, rearmMs: 1_000 });
    let armed = false;
    void arming.armed.then(() => (armed = true));
    await vi.advanceTimersByTimeAsync(4);
    expect(state.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.calls).toBe(2);
    expect(armed).toBe(false);
    await vi.advanceTimersByTimeAsync(5);
    expect(state.calls).toBe(3);
    expect(armed).toBe(true);
    arming.stop();
  });

  it("registers the reminder again every period after it succeeded, so a reminder the scheduler lost comes back", async () => {
    const { state, arm } = armer();
    const renewals: boolean[] = [];
    const arming = keepArming(
      (renewal) => {
        renewals.push(renewal);
        return arm();
      },
      log,
      { retryMs: 5, rearmMs: 1_000 },
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(state.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(state.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.calls).toBe(2);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(state.calls).toBe(5);
    // The first registration is not a renewal; the later ones are.
    expect(renewals).toEqual([false, true, true, true, true]);
    arming.stop();
  });

  it("a re-registration that fails (scheduler down) is retried soon, not a period later", async () => {
    let schedulerDown = false;
    const { state, arm } = armer(() => schedulerDown);
    const arming = keepArming(arm, log, { retryMs: 5, rearmMs: 1_000 });
    await vi.advanceTimersByTimeAsync(0);
    schedulerDown = true;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(state.calls).toBe(2);
    await vi.advanceTimersByTimeAsync(12);
    expect(state.calls).toBe(4);
    schedulerDown = false;
    await vi.advanceTimersByTimeAsync(5);
    expect(state.calls).toBe(5);
    // Armed again at t = 1015: back to one registration a period.
    await vi.advanceTimersByTimeAsync(997);
    expect(state.calls).toBe(5);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.calls).toBe(6);
    arming.stop();
  });

  it("stops calling when the dispatcher shuts down, armed or not", async () => {
    const failing = armer(() => true);
    const a = keepArming(failing.arm, log, { retryMs: 5, rearmMs: 1_000 });
    await vi.advanceTimersByTimeAsync(12);
    a.stop();
    const seen = failing.state.calls;
    await vi.advanceTimersByTimeAsync(100);
    expect(failing.state.calls).toBe(seen);
    expect(seen).toBeGreaterThan(0);

    const ok = armer();
    const b = keepArming(ok.arm, log, { retryMs: 5, rearmMs: 1_000 });
    await vi.advanceTimersByTimeAsync(0);
    b.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(ok.state.calls).toBe(1);
  });

  it("never runs two registrations at once when one is slow", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const arm = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 2_500));
      inFlight--;
    };
    const arming = keepArming(arm, log, { retryMs: 5, rearmMs: 1_000 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(maxInFlight).toBe(1);
    arming.stop();
  });
});
