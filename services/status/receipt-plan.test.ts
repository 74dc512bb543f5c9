import { describe, expect, it } from "vitest";
import { statusUpdate } from "../../core/messages/vocabulary.js";
import { planBatch, targetsOf, type PlannedReceipt } from "./receipt-plan.js";
import type { TargetRow } from "../../db/messages/receipt-store.js";

const row = (over: Partial<TargetRow> = {}): TargetRow => ({
  id: "m1",
  createdAt: new Date("2026-01-01T00:00:00Z"),
  accountId: "a1",
  status: "sent",
  sentAt: new Date("2026-01-01T00:00:01Z"),
  deliveredAt: null,
  readAt: null,
  groupMessageId: "g1",
  deliveryAddress: "+15550001111",
  contactId: "c1",
  providerMessageId: "p1",
  ...over,
});
const at = new Date("2026-01-01T00:01:00Z");
const receipt = (
  status: "sent" | "delivered" | "read" | "failed",
  extra: Partial<Parameters<typeof statusUpdate>[0]> = {},
): PlannedReceipt => ({
  update: statusUpdate({ providerMessageId: "p1", status, ...extra }),
  receivedAt: at,
});
const channel = { id: "ch1", channelType: "sms" as const };

describe("planBatch", () => {
  it("folds delivered then read in one batch into one change and two events", () => {
    const r = row();
    const plan = planBatch(channel, [receipt("delivered"), receipt("read")], [[r], [r]]);
    expect(plan.results).toEqual(["applied", "applied"]);
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]).toMatchObject({
      from: "sent",
      to: "read",
      deliveredAt: at,
      readAt: at,
      groupMessageId: "g1",
    });
    expect(plan.events.map((e) => `${e.from}>${e.to}`)).toEqual(["sent>delivered", "delivered>read"]);
  });

  it("read before delivered ends read with delivered_at set, and the late delivered/sent change nothing", () => {
    const r = row();
    const plan = planBatch(channel, [receipt("read"), receipt("delivered"), receipt("sent")], [[r], [r], [r]]);
    expect(plan.results).toEqual(["applied", "unchanged", "unchanged"]);
    expect(plan.changes[0]).toMatchObject({ to: "read", deliveredAt: at });
  });

  it("a receipt for a message still sending is early, one with no message is missing", () => {
    const plan = planBatch(channel, [receipt("delivered"), receipt("delivered")], [[row({ status: "sending" })], []]);
    expect(plan.results).toEqual(["early", "missing"]);
    expect(plan.changes).toEqual([]);
  });

  it("a failed receipt with the provider's opt-out signal marks the address in its scope", () => {
    const plan = planBatch(
      channel,
      [receipt("failed", { errorCode: "21610", optOut: true })],
      [[row({ deliveryAddress: "15550001111" })]],
    );
    expect(plan.changes[0]).toMatchObject({ to: "failed", errorCode: "21610" });
    expect(plan.optOuts).toEqual([
      {
        accountId: "a1",
        scope: "sms",
        address: "+15550001111",
        contactId: "c1",
        channelId: "ch1",
        source: "provider",
        reason: "21610",
      },
    ]);
  });

  describe("e-mail bounces", () => {
    const email = { id: "ch1", channelType: "email" as const };
    const bounced = (bounce: "permanent" | "transient" | null) =>
      receipt("failed", {
        errorCode: "bounce:Permanent/General",
        errorMessage: "smtp; 550 5.1.1 user unknown",
        recipient: "Ana@Example.org",
        bounce,
      });
    const suppression = {
      accountId: "a1",
      scope: "email",
      address: "ana@example.org",
      contactId: "c1",
      channelId: "ch1",
      source: "bounce",
      reason: "bounce:Permanent/General: smtp; 550 5.1.1 user unknown",
    };
    it.each([
      ["a permanent bounce fails the message and suppresses the address", "sent", "permanent", "applied", 1],
      ["a permanent bounce after the delivery receipt still suppresses", "delivered", "permanent", "unchanged", 1],
      ["a transient bounce suppresses nothing", "sent", "transient", "applied", 0],
      ["an undetermined bounce suppresses nothing", "sent", null, "applied", 0],
      ["a bounce for a message whose send is not recorded yet waits", "sending", "permanent", "early", 0],
    ] as const)("%s", (_n, status, bounce, result, suppressions) => {
      const plan = planBatch(email, [bounced(bounce)], [[row({ status, deliveryAddress: "Ana@Example.org" })]]);
      expect(plan.results).toEqual([result]);
      expect(plan.optOuts).toEqual(suppressions ? [suppression] : []);
    });
  });

  it("a watermark that covers nothing is unchanged, not missing", () => {
    const plan = planBatch(
      channel,
      [
        {
          update: statusUpdate({
            providerMessageId: null,
            status: "read",
            recipient: "psid",
            watermark: at.toISOString(),
          }),
          receivedAt: at,
        },
      ],
      [[]],
    );
    expect(plan.results).toEqual(["unchanged"]);
  });
});

describe("targetsOf", () => {
  it("picks the recipient's row when several share a provider id, and our id when known", () => {
    const a = row({ id: "m1", deliveryAddress: "a@x.org" });
    const b = row({ id: "m2", deliveryAddress: "b@x.org" });
    const byProvider = new Map([["p1", [a, b]]]);
    const byId = new Map([["m2", b]]);
    expect(
      targetsOf(
        {
          update: statusUpdate({ providerMessageId: "p1", status: "delivered", recipient: "B@x.org" }),
          receivedAt: at,
        },
        byId,
        byProvider,
        undefined,
      ),
    ).toEqual([b]);
    expect(
      targetsOf(
        { update: statusUpdate({ providerMessageId: "zz", status: "delivered" }), messageId: "m2", receivedAt: at },
        byId,
        byProvider,
        undefined,
      ),
    ).toEqual([b]);
  });
});
