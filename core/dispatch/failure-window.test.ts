import { describe, expect, it } from "vitest";
import { FailureWindow } from "./failure-window.js";

describe("FailureWindow", () => {
  it("is the share of failed and retried attempts per key, over the window only", () => {
    const w = new FailureWindow(60_000, 1_000);
    const t0 = 1_700_000_000_000;
    w.record("sms", "sent", 6, t0);
    w.record("sms", "retry", 1, t0 + 500);
    w.record("sms", "failed", 1, t0 + 10_000);
    w.record("email", "sent", 3, t0);
    expect(w.ratio("sms", t0 + 10_000)).toBe(2 / 8);
    expect(w.ratio("email", t0 + 10_000)).toBe(0);
    expect(w.ratio("telegram", t0)).toBeUndefined();
    expect(w.keys().sort()).toEqual(["email", "sms"]);

    // 61 s on, the first second has left the window: only the failure at +10 s is in it.
    expect(w.ratio("sms", t0 + 61_000)).toBe(1);
    // A type whose attempts all left the window has no ratio, not its last one.
    expect(w.ratio("email", t0 + 61_000)).toBeUndefined();
    expect(w.ratio("sms", t0 + 71_000)).toBeUndefined();
  });

  it("ignores empty records", () => {
    const w = new FailureWindow();
    w.record("sms", "failed", 0, 1_000);
    expect(w.ratio("sms", 1_000)).toBeUndefined();
  });
});
