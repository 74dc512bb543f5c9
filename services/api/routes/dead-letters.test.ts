import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeadLetterRecord, DeadLetterStore, DeadLetterTopic } from "../../../core/dead-letters.js";
import { createApiKey } from "../../../db/accounts/api-keys.js";
import { startEmbeddedApi, type EmbeddedApi } from "../testkit/embedded-api.js";

/**
 * /v1/dead-letters on the embedded API over an in-memory store: an admin sees only the dead
 * letters that name one of their accounts, reads one, and re-queues it (published again,
 * unchanged, and gone from the log); a cut one is refused; other roles are refused.
 */
describe("/v1/dead-letters", () => {
  let api: EmbeddedApi;
  const logs = new Map<DeadLetterTopic, DeadLetterRecord[]>();
  const store: DeadLetterStore = {
    list: async (topic) => ({ total: logs.get(topic)?.length ?? 0, recent: [...(logs.get(topic) ?? [])] }),
    remove: async (topic, eventId) => {
      const before = logs.get(topic) ?? [];
      logs.set(
        topic,
        before.filter((r) => r.eventId !== eventId),
      );
      return before.length !== logs.get(topic)!.length;
    },
  };
  const event = (accountId: string) => ({ eventId: randomUUID(), accountId, type: "message.created" });
  let mine: ReturnType<typeof event>;

  beforeAll(async () => {
    api = await startEmbeddedApi({}, { deadLetters: store });
    mine = event(api.accountId);
    logs.set("message.dispatch.telegram", [
      {
        eventId: "other",
        receivedAt: "2026-03-01T10:00:00.000Z",
        data: JSON.stringify(event(randomUUID())),
        accountId: randomUUID(),
        truncated: false,
      },
      {
        eventId: "mine",
        receivedAt: "2026-03-01T11:00:00.000Z",
        data: JSON.stringify(mine),
        accountId: api.accountId,
        truncated: false,
      },
    ]);
    logs.set("group_message.queued", [
      {
        eventId: "cut",
        receivedAt: "2026-03-01T12:00:00.000Z",
        data: `{"accountId":"${api.accountId}","x":"…`,
        accountId: api.accountId,
        truncated: true,
      },
    ]);
    // A probe names no account: it stays with the operators.
    logs.set("pipeline.probe", [
      { eventId: "probe", receivedAt: "2026-03-01T13:00:00.000Z", data: "{}", accountId: null },
    ]);
  });
  afterAll(async () => api.close());

  it("lists only the caller's accounts' dead letters, newest first, narrowed by topic", async () => {
    const all = await api.call("GET", "/v1/dead-letters");
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 2 });
    expect((all.body.items as { event_id: string }[]).map((i) => i.event_id)).toEqual(["cut", "mine"]);
    expect(all.body.items).toContainEqual({
      topic: "message.dispatch.telegram",
      event_id: "mine",
      received_at: "2026-03-01T11:00:00.000Z",
      data: JSON.stringify(mine),
      truncated: false,
    });
    const one = await api.call("GET", "/v1/dead-letters?topic=message.dispatch.telegram&limit=5");
    expect((one.body.items as { event_id: string }[]).map((i) => i.event_id)).toEqual(["mine"]);
    const bad = await api.call("GET", "/v1/dead-letters?topic=message.dispatch.pigeon");
    expect(bad).toMatchObject({ status: 400, body: { code: "validation_error", field: "topic" } });
  });

  it("reads one; another account's is not found", async () => {
    const got = await api.call("GET", "/v1/dead-letters/message.dispatch.telegram/mine");
    expect(got).toMatchObject({ status: 200, body: { event_id: "mine", topic: "message.dispatch.telegram" } });
    const other = await api.call("GET", "/v1/dead-letters/message.dispatch.telegram/other");
    expect(other).toMatchObject({ status: 404, body: { code: "not_found" } });
    const probe = await api.call("GET", "/v1/dead-letters/pipeline.probe/probe");
    expect(probe.status).toBe(404);
  });

  it("re-queues one: published to its topic unchanged, then gone; a cut one is refused", async () => {
    const cut = await api.call("POST", "/v1/dead-letters/group_message.queued/cut/requeue");
    expect(cut).toMatchObject({ status: 409, body: { code: "dead_letter_truncated" } });
    const before = api.published.length;
    const done = await api.call("POST", "/v1/dead-letters/message.dispatch.telegram/mine/requeue");
    expect(done).toMatchObject({
      status: 202,
      body: { topic: "message.dispatch.telegram", event_id: "mine", requeued: true },
    });
    expect(api.published.slice(before)).toEqual([{ topic: "message.dispatch.telegram", data: mine }]);
    expect(logs.get("message.dispatch.telegram")!.map((r) => r.eventId)).toEqual(["other"]);
    const again = await api.call("POST", "/v1/dead-letters/message.dispatch.telegram/mine/requeue");
    expect(again.status).toBe(404);
    expect(api.published.length).toBe(before + 1);
  });

  it("is for admins only", async () => {
    const { key } = await createApiKey(api.db.orm, api.accountId, "manager", "manager", new Date());
    const refused = await api.call("GET", "/v1/dead-letters", { headers: { "x-api-key": key } });
    expect(refused).toMatchObject({ status: 403, body: { code: "forbidden" } });
  });
});
