import { describe, expect, it } from "vitest";
import { MESSAGE_STATUSES, MESSAGE_TRANSITIONS } from "./lifecycle.js";
import { applyReceipt } from "./receipt-rules.js";
import { DeliveryStatus } from "./vocabulary.js";

/**
 * Receipts have no rule table of their own: every (current status, receipt) pair is checked
 * against the message lifecycle, so a change to MESSAGE_TRANSITIONS is a change to receipts.
 */
const at = new Date("2026-01-01T10:00:05Z");
const earlier = new Date("2026-01-01T10:00:00Z");

describe("applyReceipt follows MESSAGE_TRANSITIONS for every status and receipt", () => {
  const pairs = MESSAGE_STATUSES.flatMap((status) =>
    DeliveryStatus.options.map((receipt) => [status, receipt] as const),
  );

  it.each(pairs)("%s + %s receipt", (status, receipt) => {
    const got = applyReceipt(
      { status, deliveredAt: null, readAt: null },
      { status: receipt, errorCode: "E1", errorMessage: "boom", at },
    );
    if (receipt === "queued") return expect(got).toEqual({ kind: "unchanged" });
    if (status === "queued" || status === "sending") return expect(got).toEqual({ kind: "early" });
    if (!(MESSAGE_TRANSITIONS[status] as readonly string[]).includes(receipt))
      return expect(got).toEqual({ kind: "unchanged" });
    expect(got).toEqual({
      kind: "apply",
      to: receipt,
      deliveredAt: receipt === "delivered" || receipt === "read" ? at : null,
      readAt: receipt === "read" ? at : null,
      failedAt: receipt === "failed" ? at : null,
      errorCode: receipt === "failed" ? "E1" : null,
      errorMessage: receipt === "failed" ? "boom" : null,
    });
  });

  it("covers the whole table: every transition a receipt can name is applied somewhere", () => {
    const applies = ([status, receipt]: (typeof pairs)[number]) =>
      applyReceipt(
        { status, deliveredAt: null, readAt: null },
        { status: receipt, errorCode: null, errorMessage: null, at },
      ).kind === "apply";
    const applied = pairs.filter(applies);
    expect(applied).toEqual([
      ["sent", "delivered"],
      ["sent", "read"],
      ["sent", "failed"],
      ["delivered", "read"],
    ]);
  });

  it("an applied receipt keeps the timestamps the message already has", () => {
    const read = applyReceipt(
      { status: "delivered", deliveredAt: earlier, readAt: null },
      { status: "read", errorCode: null, errorMessage: null, at },
    );
    expect(read).toMatchObject({ deliveredAt: earlier, readAt: at });
  });
});
