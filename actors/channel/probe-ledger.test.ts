import { describe, expect, it } from "vitest";
import { applyProbeDelivery, applyReminderFired, emptyLedger, MAX_PROBES } from "./probe-ledger.js";

const t0 = new Date("2026-01-01T00:00:00Z");

describe("probe ledger", () => {
  it("records one delivery per successful attempt", () => {
    const { ledger, outcome } = applyProbeDelivery(emptyLedger(), { probeId: "p1", failTimes: 0 }, t0);
    expect(outcome).toBe("recorded");
    expect(ledger.probes.p1).toMatchObject({ attempts: 1, deliveries: 1 });
  });

  it("fails the first failTimes attempts, then records", () => {
    let ledger = emptyLedger();
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = applyProbeDelivery(ledger, { probeId: "p", failTimes: 2 }, t0);
      ledger = r.ledger;
      outcomes.push(r.outcome);
    }
    expect(outcomes).toEqual(["simulated_failure", "simulated_failure", "recorded"]);
    expect(ledger.probes.p).toMatchObject({ attempts: 3, deliveries: 1 });
  });

  it("counts a redelivered success as a second delivery (so duplicates are visible)", () => {
    let { ledger } = applyProbeDelivery(emptyLedger(), { probeId: "p", failTimes: 0 }, t0);
    ({ ledger } = applyProbeDelivery(ledger, { probeId: "p", failTimes: 0 }, t0));
    expect(ledger.probes.p!.deliveries).toBe(2);
  });

  it("evicts the oldest probes beyond the bound", () => {
    let ledger = emptyLedger();
    for (let i = 0; i <= MAX_PROBES; i++) {
      ledger = applyProbeDelivery(ledger, { probeId: `p${i}`, failTimes: 0 }, new Date(t0.getTime() + i * 1000)).ledger;
    }
    expect(Object.keys(ledger.probes)).toHaveLength(MAX_PROBES);
    expect(ledger.probes.p0).toBeUndefined();
    expect(ledger.probes[`p${MAX_PROBES}`]).toBeDefined();
  });

  it("keeps the last firings of each reminder", () => {
    let ledger = emptyLedger();
    for (let i = 0; i < 60; i++) ledger = applyReminderFired(ledger, "r", t0);
    expect(ledger.reminders.r).toHaveLength(50);
  });
});
