import { describe, expect, it } from "vitest";
import { inboundMessage, statusUpdate } from "../messages/vocabulary.js";
import { inboundDedupKey, statusDedupKey } from "./events.js";

const ch = "0190a0a0-0000-7000-8000-000000000001";

describe("replay keys", () => {
  it("the same status of the same message is one key; another status of it is another", () => {
    const a = statusDedupKey(ch, statusUpdate({ providerMessageId: "SM1", status: "delivered" }));
    expect(
      statusDedupKey(
        ch,
        statusUpdate({ providerMessageId: "SM1", status: "delivered", occurredAt: "2026-01-01T00:00:00.000Z" }),
      ),
    ).toBe(a);
    expect(statusDedupKey(ch, statusUpdate({ providerMessageId: "SM1", status: "read" }))).not.toBe(a);
    expect(
      statusDedupKey(
        "0190a0a0-0000-7000-8000-000000000002",
        statusUpdate({ providerMessageId: "SM1", status: "delivered" }),
      ),
    ).not.toBe(a);
  });

  it("watermark reads are keyed by reader and watermark; recipients of one provider id apart", () => {
    const w = (recipient: string, watermark: string) =>
      statusDedupKey(ch, statusUpdate({ providerMessageId: null, status: "read", recipient, watermark }));
    expect(w("1", "2026-01-01T00:00:00.000Z")).toBe(w("1", "2026-01-01T00:00:00.000Z"));
    expect(w("1", "2026-01-01T00:00:00.000Z")).not.toBe(w("2", "2026-01-01T00:00:00.000Z"));
    const bounce = (r: string) =>
      statusDedupKey(ch, statusUpdate({ providerMessageId: "<m@x>", status: "failed", recipient: r }));
    expect(bounce("a@x.test")).not.toBe(bounce("b@x.test"));
  });

  it("an edited inbound message is a new event; a replayed one is not", () => {
    const m = inboundMessage({
      providerMessageId: "42:7",
      from: "42",
      text: "hi",
      receivedAt: "2026-01-01T00:00:00.000Z",
    });
    const edit = { ...m, metadata: { edited: true }, receivedAt: "2026-01-01T00:01:00.000Z" };
    expect(inboundDedupKey(ch, m)).toBe(inboundDedupKey(ch, { ...m }));
    expect(inboundDedupKey(ch, edit)).not.toBe(inboundDedupKey(ch, m));
  });
});
