import { describe, expect, it } from "vitest";
import { callbackEvent, callbackEventSchema, stableEventId } from "./events.js";

describe("callback events", () => {
  it("derives one valid UUID per fact, the same each time", () => {
    const a = stableEventId("message.status", "m1", "delivered");
    expect(a).toBe(stableEventId("message.status", "m1", "delivered"));
    expect(a).not.toBe(stableEventId("message.status", "m1", "read"));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("builds events the schema accepts, and refuses data of another type", () => {
    const e = callbackEvent("channel.status", {
      id: stableEventId("x"),
      accountId: "11111111-1111-4111-8111-111111111111",
      orderingKey: "channel:22222222-2222-4222-8222-222222222222",
      data: { channel_id: "22222222-2222-4222-8222-222222222222", status: "paused" },
    });
    expect(callbackEventSchema.parse(e)).toEqual(e);
    expect(callbackEventSchema.safeParse({ ...e, type: "message.status" }).success).toBe(false);
    expect(callbackEventSchema.safeParse({ ...e, type: "nope" }).success).toBe(false);
  });
});
