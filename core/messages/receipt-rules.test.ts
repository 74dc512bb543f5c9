import { describe, expect, it } from "vitest";
import { applyReceipt, type MessageState, type Receipt } from "./receipt-rules.js";

const t0 = new Date("2026-01-01T10:00:00Z");
const t1 = new Date("2026-01-01T10:00:05Z");
const state = (status: string, extra: Partial<MessageState> = {}): MessageState => ({
  status,
  deliveredAt: null,
  readAt: null,
  ...extra,
});
const receipt = (status: Receipt["status"], at = t1, errorCode: string | null = null): Receipt => ({
  status,
  errorCode,
  errorMessage: errorCode ? "boom" : null,
  at,
});

describe("applyReceipt: receipts applied with precedence, whatever the arrival order", () => {
  it.each([
    ["sent", "delivered", "delivered"],
    ["sent", "read", "read"],
    ["delivered", "read", "read"],
    ["sent", "failed", "failed"],
  ] as const)("%s + %s receipt → %s", (from, got, to) => {
    const tr = applyReceipt(state(from), receipt(got));
    expect(tr.kind).toBe("apply");
    if (tr.kind === "apply") expect(tr.to).toBe(to);
  });

  it.each([
    ["delivered", "sent"],
    ["read", "sent"],
    ["read", "delivered"],
    ["delivered", "delivered"],
    ["read", "read"],
    ["failed", "failed"],
    ["failed", "delivered"],
    ["delivered", "failed"],
    ["read", "failed"],
    ["sent", "sent"],
    ["cancelled", "delivered"],
    ["skipped", "delivered"],
  ] as const)("%s + %s receipt → unchanged", (from, got) => {
    expect(applyReceipt(state(from), receipt(got))).toEqual({ kind: "unchanged" });
  });

  it.each(["queued", "sending"])("a receipt for a message still %s is early (its send is not recorded yet)", (from) => {
    expect(applyReceipt(state(from), receipt("delivered"))).toEqual({ kind: "early" });
    expect(applyReceipt(state(from), receipt("failed", t1, "30003"))).toEqual({ kind: "early" });
  });

  it("a provider's `queued` acknowledgement never changes anything, even before the send is recorded", () => {
    expect(applyReceipt(state("sending"), receipt("queued"))).toEqual({ kind: "unchanged" });
    expect(applyReceipt(state("sent"), receipt("queued"))).toEqual({ kind: "unchanged" });
  });

  it("read implies delivered: a read that overtook its delivery receipt sets delivered_at too", () => {
    const tr = applyReceipt(state("sent"), receipt("read", t1));
    expect(tr).toMatchObject({ kind: "apply", to: "read", deliveredAt: t1, readAt: t1 });
  });

  it("a receipt's time never goes before the send it follows (an SMSC's done date has minutes only)", () => {
    const sentAt = new Date("2026-01-01T10:00:51.983Z");
    const doneDate = new Date("2026-01-01T10:00:00.000Z");
    expect(applyReceipt(state("sent", { sentAt }), receipt("delivered", doneDate))).toMatchObject({
      deliveredAt: sentAt,
    });
    expect(applyReceipt(state("sent", { sentAt }), receipt("failed", doneDate, "UNDELIV"))).toMatchObject({
      failedAt: sentAt,
    });
    // A later time is the provider's own and stays.
    expect(applyReceipt(state("sent", { sentAt: t0 }), receipt("read", t1))).toMatchObject({ readAt: t1 });
  });

  it("read after delivered keeps the original delivered_at", () => {
    const tr = applyReceipt(state("delivered", { deliveredAt: t0 }), receipt("read", t1));
    expect(tr).toMatchObject({ kind: "apply", to: "read", deliveredAt: t0, readAt: t1 });
  });

  it("a failure receipt carries the provider's code, or a generic one", () => {
    expect(applyReceipt(state("sent"), receipt("failed", t1, "30003"))).toMatchObject({
      to: "failed",
      failedAt: t1,
      errorCode: "30003",
      errorMessage: "boom",
    });
    expect(
      applyReceipt(state("sent"), { status: "failed", errorCode: null, errorMessage: null, at: t1 }),
    ).toMatchObject({ errorCode: "delivery_failed" });
  });

  it("any order of sent, delivered and read ends in read with both timestamps", () => {
    const orders: Receipt["status"][][] = [
      ["sent", "delivered", "read"],
      ["read", "delivered", "sent"],
      ["delivered", "sent", "read"],
      ["read", "sent", "delivered"],
    ];
    for (const order of orders) {
      let s = state("sent");
      for (const [i, status] of order.entries()) {
        const tr = applyReceipt(s, receipt(status, new Date(t0.getTime() + i * 1000)));
        if (tr.kind === "apply") s = { status: tr.to, deliveredAt: tr.deliveredAt, readAt: tr.readAt };
      }
      expect(s.status, order.join(",")).toBe("read");
      expect(s.deliveredAt, order.join(",")).not.toBeNull();
      expect(s.readAt, order.join(",")).not.toBeNull();
    }
  });
});
