import { describe, expect, it } from "vitest";
import { SweepWatch } from "./sweep-watch.js";

describe("watching that the cluster sweep runs", () => {
  it("a sweeper that never swept since its activation is overdue", () => {
    const w = new SweepWatch(5_000);
    expect(w.overdue(1_000_000)).toBe(true);
    expect(w.hasSwept).toBe(false);
    w.swept(1_000_000);
    expect(w.hasSwept).toBe(true);
  });

  it("is not overdue while the reminder fires about once a period", () => {
    const w = new SweepWatch(5_000);
    w.swept(1_000_000);
    expect(w.overdue(1_005_000)).toBe(false);
    expect(w.overdue(1_014_999)).toBe(false);
  });

  it("is overdue once three periods passed without a sweep (the reminder was lost)", () => {
    const w = new SweepWatch(5_000);
    w.swept(1_000_000);
    expect(w.overdue(1_015_000)).toBe(true);
    w.swept(1_015_000);
    expect(w.overdue(1_016_000)).toBe(false);
  });
});
