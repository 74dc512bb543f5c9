import { describe, expect, it } from "vitest";
import { consumeQuota, emptyQuota, quotaPeriods } from "./quota.js";

const d = (iso: string) => new Date(iso);

describe("account quota", () => {
  it("grants within the daily limit and counts exactly", () => {
    let s = emptyQuota();
    let r = consumeQuota(s, { dailyLimit: 10 }, d("2026-03-01T10:00:00Z"), 7);
    expect(r.granted).toBe(7);
    s = r.state;
    r = consumeQuota(s, { dailyLimit: 10 }, d("2026-03-01T11:00:00Z"), 7);
    expect(r.granted).toBe(3);
    expect(r.state.dayCount).toBe(10);
  });
  it("starts a new day from zero but keeps the month", () => {
    const s = consumeQuota(emptyQuota(), { dailyLimit: 5, monthlyLimit: 8 }, d("2026-03-01T23:59:00Z"), 5).state;
    const r = consumeQuota(s, { dailyLimit: 5, monthlyLimit: 8 }, d("2026-03-02T00:01:00Z"), 5);
    expect(r.granted).toBe(3); // month: 5 used of 8
    const next = consumeQuota(r.state, { dailyLimit: 5, monthlyLimit: 8 }, d("2026-04-01T00:00:00Z"), 5);
    expect(next.granted).toBe(5);
  });
  it("grants everything when no limit is set", () => {
    expect(consumeQuota(emptyQuota(), {}, d("2026-03-01T00:00:00Z"), 1_000).granted).toBe(1_000);
  });
});

describe("quota periods", () => {
  it("are the UTC day and month, resetting at the next UTC midnight and first of the month", () => {
    expect(quotaPeriods(new Date("2026-12-31T23:59:59.999Z"))).toEqual({
      day: "2026-12-31",
      month: "2026-12-01",
      dayResetsAt: new Date("2027-01-01T00:00:00.000Z"),
      monthResetsAt: new Date("2027-01-01T00:00:00.000Z"),
    });
    expect(quotaPeriods(new Date("2026-02-10T00:00:00.000Z"))).toMatchObject({
      day: "2026-02-10",
      month: "2026-02-01",
      dayResetsAt: new Date("2026-02-11T00:00:00.000Z"),
      monthResetsAt: new Date("2026-03-01T00:00:00.000Z"),
    });
  });
});
