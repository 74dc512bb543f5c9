import { describe, expect, it } from "vitest";
import {
  firstOccurrence,
  nextOccurrence,
  parseRecurrence,
  planAfterTrigger,
  recurrenceProblem,
  type ScheduleSpec,
  frequencyProblem,
  shortestInterval,
} from "./recurrence.js";

const spec = (o: Partial<ScheduleSpec> & Pick<ScheduleSpec, "scheduledAt">): ScheduleSpec => ({
  timezone: "UTC",
  isRecurring: true,
  rule: "daily",
  endAt: null,
  maxCount: null,
  ...o,
});

/** Walks n occurrences from the first one. */
function walk(s: ScheduleSpec, n: number): string[] {
  const out: string[] = [];
  let at = firstOccurrence(s);
  while (at && out.length < n) {
    out.push(at.toISOString());
    at = nextOccurrence(s, at, out.length);
  }
  return out;
}

describe("recurrence rules", () => {
  it("parses the daily, weekly and monthly rules and standard cron, and refuses anything else with a reason", () => {
    expect(parseRecurrence("daily")).toEqual({ kind: "daily" });
    expect(parseRecurrence("weekly:fri,mon,wed")).toEqual({ kind: "weekly", days: [1, 3, 5] });
    expect(parseRecurrence("monthly:31")).toEqual({ kind: "monthly", day: 31 });
    expect(parseRecurrence("0 9 * * 1-5")).toEqual({ kind: "cron", expression: "0 9 * * 1-5" });
    expect(parseRecurrence("30 0 9 * * *")).toEqual({ kind: "cron", expression: "30 0 9 * * *" });
    expect(recurrenceProblem("weekly:funday")).toMatch(/must be "daily"/);
    expect(recurrenceProblem("monthly:32")).toMatch(/must be "daily"/);
    expect(recurrenceProblem("61 * * * *")).toMatch(/not a valid cron expression/);
    expect(recurrenceProblem("hourly")).toMatch(/must be/);
  });

  it("keeps 09:00 local every day across the spring and autumn changes in New York", () => {
    const s = spec({ scheduledAt: new Date("2025-03-07T14:00:00Z"), timezone: "America/New_York" }); // 09:00 EST
    expect(walk(s, 4)).toEqual([
      "2025-03-07T14:00:00.000Z",
      "2025-03-08T14:00:00.000Z",
      "2025-03-09T13:00:00.000Z", // 09:00 EDT: the UTC hour moves, the local one does not
      "2025-03-10T13:00:00.000Z",
    ]);
    const autumn = spec({ scheduledAt: new Date("2025-11-01T13:00:00Z"), timezone: "America/New_York" }); // 09:00 EDT
    expect(walk(autumn, 3)).toEqual([
      "2025-11-01T13:00:00.000Z",
      "2025-11-02T14:00:00.000Z",
      "2025-11-03T14:00:00.000Z",
    ]);
  });

  it("fires a skipped local time after the gap and a repeated one once (Europe/Berlin)", () => {
    // 02:30 does not exist in Berlin on 2025-03-30 and happens twice on 2025-10-26.
    const spring = spec({ scheduledAt: new Date("2025-03-29T01:30:00Z"), timezone: "Europe/Berlin" }); // 02:30 CET
    const [, onChange, after] = walk(spring, 3);
    expect(new Date(onChange!).getTime()).toBeGreaterThanOrEqual(Date.parse("2025-03-30T01:00:00Z")); // 03:00 CEST, after the gap
    expect(new Date(onChange!).getTime()).toBeLessThanOrEqual(Date.parse("2025-03-30T01:30:00Z"));
    expect(after).toBe("2025-03-31T00:30:00.000Z"); // 02:30 CEST
    const autumn = spec({ scheduledAt: new Date("2025-10-25T00:30:00Z"), timezone: "Europe/Berlin" }); // 02:30 CEST
    expect(walk(autumn, 3)).toEqual([
      "2025-10-25T00:30:00.000Z",
      "2025-10-26T00:30:00.000Z",
      "2025-10-27T01:30:00.000Z",
    ]);
  });

  it("runs weekly rules on the named weekdays, starting at the first match on or after scheduled_at", () => {
    // 2025-06-03 is a Tuesday; 10:15 in Addis Ababa is 07:15 UTC.
    const s = spec({
      scheduledAt: new Date("2025-06-03T07:15:00Z"),
      timezone: "Africa/Addis_Ababa",
      rule: "weekly:mon,wed,fri",
    });
    expect(walk(s, 4)).toEqual([
      "2025-06-04T07:15:00.000Z",
      "2025-06-06T07:15:00.000Z",
      "2025-06-09T07:15:00.000Z",
      "2025-06-11T07:15:00.000Z",
    ]);
  });

  it("runs monthly rules on the day, or on the last day of a shorter month", () => {
    const s = spec({ scheduledAt: new Date("2025-01-31T08:00:00Z"), rule: "monthly:31" });
    expect(walk(s, 4)).toEqual([
      "2025-01-31T08:00:00.000Z",
      "2025-02-28T08:00:00.000Z",
      "2025-03-31T08:00:00.000Z",
      "2025-04-30T08:00:00.000Z",
    ]);
    const fifteenth = spec({ scheduledAt: new Date("2025-01-10T08:00:00Z"), rule: "monthly:15" });
    expect(walk(fifteenth, 2)).toEqual(["2025-01-15T08:00:00.000Z", "2025-02-15T08:00:00.000Z"]);
  });

  it("evaluates cron expressions in the schedule's zone", () => {
    const s = spec({
      scheduledAt: new Date("2025-03-07T00:00:00Z"),
      timezone: "America/New_York",
      rule: "0 9 * * 1-5",
    });
    // Friday 7th, then Monday 10th (after the change: 13:00 UTC), Tuesday 11th.
    expect(walk(s, 3)).toEqual(["2025-03-07T14:00:00.000Z", "2025-03-10T13:00:00.000Z", "2025-03-11T13:00:00.000Z"]);
  });

  it("stops at the end date or after the count", () => {
    const byDate = spec({ scheduledAt: new Date("2025-01-01T08:00:00Z"), endAt: new Date("2025-01-03T08:00:00Z") });
    expect(walk(byDate, 10)).toHaveLength(3);
    const byCount = spec({ scheduledAt: new Date("2025-01-01T08:00:00Z"), maxCount: 2 });
    expect(walk(byCount, 10)).toEqual(["2025-01-01T08:00:00.000Z", "2025-01-02T08:00:00.000Z"]);
  });

  it("has no next trigger for a one-time schedule", () => {
    const once = spec({ scheduledAt: new Date("2025-01-01T08:00:00Z"), isRecurring: false, rule: null });
    expect(firstOccurrence(once)?.toISOString()).toBe("2025-01-01T08:00:00.000Z");
    expect(nextOccurrence(once, new Date("2025-01-01T08:00:00Z"), 1)).toBeUndefined();
    expect(planAfterTrigger(once, new Date("2025-01-01T08:00:00Z"), new Date("2025-01-05T08:00:00Z"), 1)).toEqual({
      next: null,
      missed: 0,
    });
  });

  it("after a downtime fires once for the missed occurrence and resumes after now, never a burst", () => {
    const s = spec({ scheduledAt: new Date("2025-01-01T08:00:00Z") });
    const plan = planAfterTrigger(s, new Date("2025-01-02T08:00:00Z"), new Date("2025-01-05T09:30:00Z"), 2);
    expect(plan).toEqual({ next: new Date("2025-01-06T08:00:00Z"), missed: 3 }); // 3rd, 4th, 5th skipped
    const onTime = planAfterTrigger(s, new Date("2025-01-02T08:00:00Z"), new Date("2025-01-02T08:00:00.300Z"), 2);
    expect(onTime).toEqual({ next: new Date("2025-01-03T08:00:00Z"), missed: 0 });
    const everySecond = spec({ scheduledAt: new Date("2025-01-01T00:00:00Z"), rule: "* * * * * *" });
    const longDown = planAfterTrigger(
      everySecond,
      new Date("2025-01-01T00:00:00Z"),
      new Date("2025-01-08T00:00:00.500Z"),
      1,
    );
    expect(longDown.next).toEqual(new Date("2025-01-08T00:00:01Z"));
  });
});

describe("how often a rule may fire", () => {
  const MINUTE = 60_000;
  const HOUR = 3_600_000;

  it("finds the shortest gap of a rule", () => {
    expect(shortestInterval("* * * * * *")).toBe(1_000);
    expect(shortestInterval("*/5 * * * * *")).toBe(5_000);
    expect(shortestInterval("0,1 * * * *")).toBe(MINUTE);
    expect(shortestInterval("0 9,10 * * *")).toBe(HOUR);
    expect(shortestInterval("daily")).toBeGreaterThanOrEqual(23 * HOUR);
  });

  it("single sends at most once a minute: per-second cron rules are refused", () => {
    for (const rule of ["* * * * * *", "*/5 * * * * *", "0,30 * * * * *", "0-59 * * * * *"])
      expect(frequencyProblem(rule, MINUTE)).toMatch(/at most once every 60 s/);
    for (const rule of ["* * * * *", "0 * * * * *", "30 */5 * * * *", "daily", "weekly:mon", "monthly:31"])
      expect(frequencyProblem(rule, MINUTE)).toBeUndefined();
  });

  it("group sends at most once an hour", () => {
    for (const rule of ["* * * * *", "*/15 * * * *", "0,30 * * * *", "0 * * * * *", "5 0-59 * * * *"])
      expect(frequencyProblem(rule, HOUR)).toMatch(/at most once every 3600 s/);
    for (const rule of ["0 * * * *", "15 9 * * 1-5", "0 30 * * * *", "daily", "weekly:mon,fri", "monthly:1"])
      expect(frequencyProblem(rule, HOUR)).toBeUndefined();
  });
});
