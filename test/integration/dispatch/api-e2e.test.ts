import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/stack.js";
import { startDispatchHarness, telegramCredentials, type DispatchHarness } from "./harness.js";

/** The REST API in front of the pipeline: channels and messages created over HTTP end up sent. */
describe("API → dispatch → provider", () => {
  let h: DispatchHarness;
  let key: string;
  const accountId = randomUUID();
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(h.t.stack.url(h.t.apiApp, path), {
      method,
      headers: { "content-type": "application/json", "x-api-key": key },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const statusOf = async (id: string) => (await api("GET", `/v1/messages/${id}`)).body.status as string;
  const send = async (channelId: string, n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await api("POST", "/v1/messages", { account_id: accountId, channel_id: channelId, delivery_address: `${5000 + i}`, message_body: `hello ${i}` });
      expect(r.status).toBe(201);
      ids.push(r.body.id as string);
    }
    return ids;
  };
  const allStatus = (ids: string[], status: string, timeoutMs = 30_000) =>
    eventually(`${ids.length} messages ${status}`, async () => ((await Promise.all(ids.map(statusOf))).every((s) => s === status) ? true : undefined), timeoutMs);

  beforeAll(async () => {
    h = await startDispatchHarness({ basePort: 26800 });
    const r = await h.t.ops("/internal/api-keys", { method: "POST", body: { accountId } });
    expect(r.status).toBe(201);
    key = (r.body as { key: string }).key;
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("sends messages created through the API, and pauses, resumes and drains the channel through it", async () => {
    const created = await api("POST", "/v1/channels", { account_id: accountId, name: "tg", channel_type: "telegram", credentials: telegramCredentials, rate_limit: 6_000 });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(telegramCredentials.bot_token);
    const channelId = created.body.id as string;

    await allStatus(await send(channelId, 10), "sent");

    expect((await api("PATCH", `/v1/channels/${channelId}`, { status: "paused" })).status).toBe(200);
    const held = await send(channelId, 5);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await Promise.all(held.map(statusOf))).toEqual(Array(5).fill("queued"));

    expect((await api("PATCH", `/v1/channels/${channelId}`, { status: "active" })).status).toBe(200);
    await allStatus(held, "sent");

    // Draining sends what is queued, then the channel comes to rest paused.
    expect((await api("PATCH", `/v1/channels/${channelId}`, { status: "paused" })).status).toBe(200);
    const backlog = await send(channelId, 5);
    expect((await api("PATCH", `/v1/channels/${channelId}`, { status: "draining" })).status).toBe(200);
    await allStatus(backlog, "sent");
    await eventually("the drained channel to rest paused", async () => ((await api("GET", `/v1/channels/${channelId}`)).body.status === "paused" ? true : undefined), 30_000);
  });
});
