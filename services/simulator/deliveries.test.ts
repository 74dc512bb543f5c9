import { describe, expect, it } from "vitest";
import { DeliveryLedger } from "./deliveries.js";

describe("the delivery ledger", () => {
  it("keeps every attempt with its answer; accepted once any attempt was, given up only otherwise", () => {
    const ledger = new DeliveryLedger();
    const a = ledger.open("vonage", { kind: "inbound", id: "A1" });
    const b = ledger.open("smpp", { kind: "receipt", id: "B1", what: "DELIVRD" });
    expect(a.outcome).toBe("retrying");
    ledger.attempt(a, "no_answer", "reset", 1);
    ledger.attempt(a, "accepted", "200", 2);
    ledger.giveUp(a);
    ledger.attempt(b, "refused", "0x00000064", 3);
    ledger.giveUp(b);
    expect(ledger.list({ kind: "inbound" })).toEqual([
      {
        kind: "inbound",
        id: "A1",
        provider: "vonage",
        outcome: "accepted",
        attempts: [
          { at: 1, answer: "no_answer", detail: "reset" },
          { at: 2, answer: "accepted", detail: "200" },
        ],
      },
    ]);
    expect(ledger.list({ provider: "smpp" })).toMatchObject([{ id: "B1", what: "DELIVRD", outcome: "given_up" }]);
    ledger.reset();
    expect(ledger.list()).toEqual([]);
  });
});
