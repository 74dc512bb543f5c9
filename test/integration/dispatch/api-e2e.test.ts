import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../../db/client.js";
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

  it("WhatsApp: the send turn decides on the care window from the stored inbound time; outside it the mapped template goes", async () => {
    const created = await api("POST", "/v1/channels", {
      account_id: accountId,
      name: "wa",
      channel_type: "whatsapp",
      credentials: {
        access_token: "e2e-access-token",
        phone_number_id: "300000000000009",
        app_secret: "sim-meta-app-secret",
        verify_token: "e2e-verify-token",
      },
      rate_limit: 6_000,
    });
    expect(created.status).toBe(201);
    const channelId = created.body.id as string;
    const template = await api("POST", "/v1/templates", {
      account_id: accountId,
      name: "shipped",
      body: "Hi {FIRST_NAME}, your order shipped",
      whatsapp: { name: "order_shipped", language: "en", components: [{ type: "body", parameters: ["FIRST_NAME"] }] },
    });
    expect(template.status).toBe(201);
    const [stays, closes, mapped] = ["+251911500001", "+251911500002", "+251911500003"];
    const db = await openDatabase({ url: h.db });
    try {
      // The three customers wrote an hour ago, as the inbound consumer records it.
      await db.withSession((s) =>
        s.query(
          `INSERT INTO conversations (id, account_id, channel_id, channel_type, participant_from, participant_to, last_inbound_at)
           SELECT gen_random_uuid(), $1, $2, 'whatsapp', a, 'us', now() - interval '1 hour' FROM unnest($3::text[]) AS a`,
          [accountId, channelId, [stays, closes, mapped]],
        ),
      );
      // The channel holds the messages while the windows are open …
      expect((await api("PATCH", `/v1/channels/${channelId}`, { status: "paused" })).status).toBe(200);
      const post = async (body: Record<string, unknown>) => {
        const r = await api("POST", "/v1/messages", { account_id: accountId, channel_id: channelId, ...body });
        expect(r.body.status).toBe("queued");
        return r.body.id as string;
      };
      const open = await post({ delivery_address: stays, message_body: "Still there?" });
      const late = await post({ delivery_address: closes, message_body: "Still there?" });
      const templated = await post({
        delivery_address: mapped,
        template_id: template.body.id,
        custom_values: { FIRST_NAME: "Abebe" },
      });
      // … and two of them close before the messages are sent.
      await db.withSession((s) =>
        s.query(
          `UPDATE conversations SET last_inbound_at = now() - interval '25 hours' WHERE channel_id = $1 AND participant_from = ANY($2::text[])`,
          [channelId, [closes, mapped]],
        ),
      );
      expect((await api("PATCH", `/v1/channels/${channelId}`, { status: "active" })).status).toBe(200);
      await allStatus([open, templated], "sent");
      await allStatus([late], "failed");
      expect((await api("GET", `/v1/messages/${late}`)).body).toMatchObject({ error_code: "outside_care_window" });
    } finally {
      await db.close();
    }
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
