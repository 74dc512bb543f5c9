import { describe, expect, it } from "vitest";
import { deliveryAddressOf } from "./contact.js";
import { finalStatus, sumDeltas } from "./progress-counters.js";
import { planPage, type RenderedText } from "./page-plan.js";
import { throttle } from "./throttle.js";

const plain = (text: string): RenderedText => ({ text, skipped: false, missing: [] });

describe("campaign page plan", () => {
  it("sends each delivery address once, skips contacts without one, and keeps template skips as records", () => {
    const contacts = [
      { id: "a", name: "Abebe", phone: "+251 911-000 001" },
      { id: "b", name: "Abebe again", phone: "+251911000001" }, // same number, other spelling
      { id: "c", name: "No phone" },
      { id: "d", name: "Bad phone", phone: "12" },
      { id: "e", phone: "00251911000002" },
      { id: "f", name: "Chaltu", phone: "+251911000003" },
    ];
    const plan = planPage(contacts, "sms", (c) =>
      c.name ? plain(`Hi ${c.name}`) : { text: "", skipped: true, missing: ["NAME"] },
    );
    expect(plan.rows.map((r) => [r.contactId, r.address, r.status])).toEqual([
      ["a", "+251911000001", "queued"],
      ["e", "+251911000002", "skipped"],
      ["f", "+251911000003", "queued"],
    ]);
    expect(plan.rows[1]!.errorMessage).toBe("missing template variables: NAME");
    expect(plan.skipped).toEqual({ duplicate_address: 1, no_address: 2 });
  });

  it("addresses each channel type from the right contact field", () => {
    const c = {
      id: "x",
      phone: "+251911000001",
      email: " Abebe@Example.COM ",
      metadata: { telegram_chat_id: 424242, messenger_psid: "7788" },
    };
    expect(deliveryAddressOf(c, "whatsapp")).toBe("+251911000001");
    expect(deliveryAddressOf(c, "email")).toBe("abebe@example.com");
    expect(deliveryAddressOf(c, "telegram")).toBe("424242");
    expect(deliveryAddressOf(c, "messenger")).toBe("7788");
    expect(deliveryAddressOf({ id: "y" }, "telegram")).toBeUndefined();
  });
});

describe("fan-out throttle", () => {
  it("inserts while the channel's queue holds less than a few minutes of its rate", () => {
    expect(throttle({ ratePerMinute: 6_000, backlog: 17_000, aheadMinutes: 3, pageSize: 1_000 })).toEqual({
      insert: true,
      limit: 18_000,
      waitMs: 0,
    });
    const held = throttle({ ratePerMinute: 6_000, backlog: 18_000, aheadMinutes: 3, pageSize: 1_000 });
    expect(held.insert).toBe(false);
    expect(held.waitMs).toBe(30_000); // 9,000 rows to drain at 100/s, capped at 30 s
    expect(throttle({ ratePerMinute: 60_000_000, backlog: 60_000, aheadMinutes: 0.001, pageSize: 1_000 }).waitMs).toBe(
      250,
    );
  });

  it("lets a slow channel take one page at a time instead of none", () => {
    expect(throttle({ ratePerMinute: 60, backlog: 0, aheadMinutes: 3, pageSize: 1_000 })).toMatchObject({
      insert: true,
      limit: 1_000,
    });
    expect(throttle({ ratePerMinute: 60, backlog: 1_000, aheadMinutes: 3, pageSize: 1_000 }).insert).toBe(false);
  });
});

describe("campaign counters", () => {
  it("adds deltas and merges skip reasons", () => {
    expect(
      sumDeltas([
        { queued: 1_000, skipped: 3, skippedReasons: { no_address: 2, duplicate_address: 1 } },
        { queued: -10, sent: 10 },
        { skippedReasons: { no_address: 1 }, skipped: 1 },
      ]),
    ).toEqual({
      queued: 990,
      sent: 10,
      delivered: 0,
      read: 0,
      failed: 0,
      cancelled: 0,
      skipped: 4,
      skippedReasons: { no_address: 3, duplicate_address: 1 },
    });
  });

  it("ends completed, partially failed or failed", () => {
    expect(finalStatus({ sent: 10, failed: 0 }, { aborted: false, messagesCreated: 10 })).toBe("completed");
    expect(finalStatus({ sent: 9, failed: 1 }, { aborted: false, messagesCreated: 10 })).toBe("partially_failed");
    expect(finalStatus({ sent: 0, failed: 10 }, { aborted: false, messagesCreated: 10 })).toBe("failed");
    expect(finalStatus({ sent: 0, failed: 0 }, { aborted: true, messagesCreated: 0 })).toBe("failed");
    expect(finalStatus({ sent: 5, failed: 0 }, { aborted: true, messagesCreated: 5 })).toBe("partially_failed");
  });
});
