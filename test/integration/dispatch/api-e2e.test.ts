import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/stack.js";
import {
  startDispatchHarness,
  telegramCredentials,
  twilioCredentials,
  vonageCredentials,
  type DispatchHarness,
} from "./harness.js";

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
      const r = await api("POST", "/v1/messages", {
        account_id: accountId,
        channel_id: channelId,
        delivery_address: `${5000 + i}`,
        message_body: `hello ${i}`,
      });
      expect(r.status).toBe(201);
      ids.push(r.body.id as string);
    }
    return ids;
  };
  const allStatus = (ids: string[], status: string, timeoutMs = 30_000) =>
    eventually(
      `${ids.length} messages ${status}`,
      async () => ((await Promise.all(ids.map(statusOf))).every((s) => s === status) ? true : undefined),
      timeoutMs,
    );

  beforeAll(async () => {
    // The per-account API rate limit has its own suite; here the test polls freely.
    h = await startDispatchHarness({ basePort: 26800, appEnv: { BREAKER_THRESHOLD: "3", API_RATE_LIMIT: "0" } });
    const r = await h.t.ops("/internal/api-keys", { method: "POST", body: { accountId } });
    expect(r.status).toBe(201);
    key = (r.body as { key: string }).key;
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("sends messages created through the API, and pauses, resumes and drains the channel through it", async () => {
    const created = await api("POST", "/v1/channels", {
      account_id: accountId,
      name: "tg",
      channel_type: "telegram",
      credentials: telegramCredentials,
      rate_limit: 6_000,
    });
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
    await eventually(
      "the drained channel to rest paused",
      async () => ((await api("GET", `/v1/channels/${channelId}`)).body.status === "paused" ? true : undefined),
      30_000,
    );
  });

  it("routes a message that names only its channel type, and fails it over when that provider is down", async () => {
    h.sim.configure({ providers: { twilio: { errorRate: 1 } } });
    const primary = await api("POST", "/v1/channels", {
      account_id: accountId,
      name: "sms-primary",
      channel_type: "sms",
      provider: "twilio",
      credentials: twilioCredentials,
      priority: 10,
      retry_config: { max_attempts: 50 },
    });
    const backup = await api("POST", "/v1/channels", {
      account_id: accountId,
      name: "sms-backup",
      channel_type: "sms",
      provider: "vonage",
      credentials: vonageCredentials,
      priority: 5,
    });
    expect([primary.status, backup.status]).toEqual([201, 201]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api("POST", "/v1/messages", {
        account_id: accountId,
        channel_type: "sms",
        delivery_address: `+25191100${i}000`,
        message_body: "failover",
      });
      expect(r.status).toBe(201);
      expect(r.body.channel_id).toBe(primary.body.id);
      ids.push(r.body.id as string);
    }
    await allStatus(ids, "sent", 60_000);
    for (const id of ids) {
      const m = (await api("GET", `/v1/messages/${id}`)).body;
      expect(m.channel_id).toBe(backup.body.id);
      expect(m.failover).toEqual([
        expect.objectContaining({ channel_id: primary.body.id, error_code: "circuit_open" }),
      ]);
    }
    expect(
      (
        await api("POST", "/v1/messages", {
          account_id: accountId,
          channel_type: "sms",
          channel_id: primary.body.id,
          delivery_address: "+251911000999",
          message_body: "x",
        })
      ).status,
    ).toBe(400);
    h.sim.configure({});
  });
});
