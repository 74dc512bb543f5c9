import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callbackEvent, stableEventId } from "../../../core/callbacks/events.js";
import { verifyCallbackSignature } from "../../../core/callbacks/signature.js";
import { appPorts } from "../../../scripts/launcher/stack.js";
import { startDispatchHarness, telegramCredentials, type DispatchHarness } from "../dispatch/harness.js";
import { withPg } from "../support/seed.js";
import { eventually } from "../support/stack.js";

/** One request a test endpoint received, and what it answered. */
interface Hit {
  path: string;
  body: string;
  signature: string | undefined;
  eventId: string;
  answered: number;
  event: { id: string; type: string; account_id: string; data: Record<string, unknown> };
}

const BASE_PORT = 25500;
const RETRY_PERIOD_MS = 6_000;
const TWILIO = { account_sid: `AC${"7".repeat(32)}`, auth_token: "callbacks-twilio-token", from: "+15005550006" };

/**
 * Tenant callbacks on the production stack (RabbitMQ, PostgreSQL, real sidecars, the simulator
 * for providers): status changes (of a reply through a conversation too), inbound messages,
 * conversation changes, a campaign's progress and completion and channel status reach a local
 * endpoint signed, a flaky endpoint gets each event once, a dead one ends disabled with its
 * reason, and no tenant sees another's events. The retry period is shortened to a few seconds so the last runs out in the test.
 */
describe("event callbacks to tenants", () => {
  let h: DispatchHarness;
  let sink: Server;
  let sinkUrl: string;
  let deadUrl: string;
  const hits: Hit[] = [];
  const failedOnce = new Set<string>();
  const apiUrl = `http://127.0.0.1:${appPorts(BASE_PORT, 0).app}`;
  const keys = new Map<string, string>();
  const accountA = randomUUID();
  const accountB = randomUUID();

  const api = async (account: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { "content-type": "application/json", "x-api-key": keys.get(account)! },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  const endpoint = async (account: string, url: string, eventTypes: string[]) => {
    const r = await api(account, "POST", "/v1/webhook-endpoints", { url, event_types: eventTypes });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return { id: r.body.id as string, secret: r.body.secret as string };
  };
  const hitsAt = (path: string) => hits.filter((x) => x.path === path);

  beforeAll(async () => {
    sink = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const eventId = String(req.headers["turumba-event-id"]);
        // The flaky endpoint fails each event's first request, then takes it.
        const flaky = req.url!.endsWith("/flaky") && !failedOnce.has(eventId);
        if (flaky) failedOnce.add(eventId);
        const answered = flaky ? 500 : 200;
        hits.push({
          path: req.url!,
          body,
          signature: req.headers["turumba-signature"] as string | undefined,
          eventId,
          answered,
          event: JSON.parse(body) as Hit["event"],
        });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
    sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
    // A port nobody listens on: the endpoint that is down for the whole retry period.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/down`;
    await new Promise<void>((r) => closed.close(() => r()));

    h = await startDispatchHarness({
      basePort: BASE_PORT,
      appEnv: {
        API_RATE_LIMIT: "0",
        WEBHOOK_PUBLIC_URL: apiUrl,
        CALLBACK_ALLOW_HTTP: "true",
        CALLBACK_RETRY_PERIOD_MS: String(RETRY_PERIOD_MS),
        CALLBACK_BASE_DELAY_MS: "300",
      },
    });
    for (const account of [accountA, accountB]) {
      const r = await h.t.ops("/internal/api-keys", { method: "POST", body: { accountId: account } });
      expect(r.status).toBe(201);
      keys.set(account, (r.body as { key: string }).key);
    }
  }, 180_000);
  afterAll(async () => {
    await h?.stop();
    await new Promise<void>((r) => (sink ? sink.close(() => r()) : r()));
  });

  it("refuses endpoint URLs that are not https, carry credentials or point inside, with {detail, code}", async () => {
    const bad = async (url: string, code: string) => {
      const r = await api(accountA, "POST", "/v1/webhook-endpoints", { url, event_types: ["message.status"] });
      expect(r.status, url).toBe(400);
      expect(r.body.code, url).toBe(code);
    };
    await bad("ftp://example.com/hook", "webhook_url_invalid");
    await bad("https://user:pw@example.com/hook", "webhook_url_invalid");
    await bad("https://169.254.169.254/latest", "webhook_url_forbidden");
    await bad("https://10.1.2.3/hook", "webhook_url_forbidden");
    const r = await api(accountA, "POST", "/v1/webhook-endpoints", { url: `${sinkUrl}/x`, event_types: ["nope"] });
    expect(r.status).toBe(400);
  });

  it("delivers status changes and inbound messages signed; retries a failing endpoint; disables a dead one; keeps tenants apart", async () => {
    const conversationTypes = ["conversation.created", "conversation.updated"];
    const okA = await endpoint(accountA, `${sinkUrl}/a/ok`, [
      "message.status",
      "message.received",
      "channel.status",
      "campaign.progress",
      "campaign.completed",
      ...conversationTypes,
    ]);
    const flakyA = await endpoint(accountA, `${sinkUrl}/a/flaky`, ["message.status"]);
    const downA = await endpoint(accountA, deadUrl, ["message.status"]);
    const okB = await endpoint(accountB, `${sinkUrl}/b/ok`, [
      "message.status",
      "message.received",
      ...conversationTypes,
    ]);
    // The secret is shown once: never in a read.
    const read = await api(accountA, "GET", `/v1/webhook-endpoints/${okA.id}`);
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(okA.secret);
    // Another tenant cannot see the endpoint.
    expect((await api(accountB, "GET", `/v1/webhook-endpoints/${okA.id}`)).status).toBe(404);

    // Account A: SMS through Twilio (the simulator sends delivery receipts and inbound webhooks).
    const chA = await api(accountA, "POST", "/v1/channels", {
      name: "sms",
      channel_type: "sms",
      provider: "twilio",
      credentials: TWILIO,
      rate_limit: 6_000,
    });
    expect(chA.status, JSON.stringify(chA.body)).toBe(201);
    h.sim.configure({
      defaults: { receiptDelayMs: 50 },
      providers: { twilio: { webhookUrl: `${apiUrl}/webhooks/sms/${chA.body.id as string}` } },
    });
    // Account B: Telegram.
    const chB = await api(accountB, "POST", "/v1/channels", {
      name: "tg",
      channel_type: "telegram",
      credentials: telegramCredentials,
      rate_limit: 6_000,
    });
    expect(chB.status).toBe(201);

    const sentA = await api(accountA, "POST", "/v1/messages", {
      channel_id: chA.body.id,
      delivery_address: "+251911700001",
      message_body: "callback hello",
    });
    expect(sentA.status).toBe(201);
    const messageA = sentA.body.id as string;
    const sentB = await api(accountB, "POST", "/v1/messages", {
      channel_id: chB.body.id,
      delivery_address: "700001",
      message_body: "other tenant",
    });
    expect(sentB.status).toBe(201);
    const messageB = sentB.body.id as string;

    // A's endpoint: the message's sent and delivered statuses, each signed with A's secret.
    const statuses = await eventually(
      "A's statuses sent and delivered",
      async () => {
        const got = hitsAt("/a/ok").filter((x) => x.event.type === "message.status");
        const s = got.map((x) => x.event.data.status);
        return s.includes("sent") && s.includes("delivered") ? got : undefined;
      },
      30_000,
    );
    for (const x of statuses) {
      expect(x.event.data.message_id).toBe(messageA);
      expect(x.event.account_id).toBe(accountA);
      expect(x.eventId).toBe(x.event.id);
      expect(verifyCallbackSignature(okA.secret, x.signature, x.body, Date.now() / 1000)).toBe(true);
      expect(verifyCallbackSignature(flakyA.secret, x.signature, x.body, Date.now() / 1000)).toBe(false);
    }

    // An inbound SMS to A reaches A's endpoint as message.received.
    const customerWrites = (text: string) =>
      eventually(
        "the simulator to send the inbound SMS",
        async () => {
          const res = await fetch(`${h.sim.httpUrl}/_sim/inbound`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              provider: "twilio",
              from: "+251911700002",
              to: TWILIO.from,
              text,
              token: TWILIO.auth_token,
            }),
          });
          return res.status === 202 ? true : undefined;
        },
        30_000,
      );
    await customerWrites("a reply");
    const inbound = await eventually(
      "A's inbound callback",
      async () => hitsAt("/a/ok").find((x) => x.event.type === "message.received"),
      30_000,
    );
    expect(inbound.event.data).toMatchObject({ channel_id: chA.body.id, from: "+251911700002", text: "a reply" });
    expect(verifyCallbackSignature(okA.secret, inbound.signature, inbound.body, Date.now() / 1000)).toBe(true);

    // The inbound message started a conversation: conversation.created, then a PATCH close as
    // conversation.updated, both to A's endpoint only; B cannot touch A's conversation.
    const created = await eventually(
      "A's conversation.created",
      async () => hitsAt("/a/ok").find((x) => x.event.type === "conversation.created"),
      30_000,
    );
    expect(created.event.data).toMatchObject({
      channel_id: chA.body.id,
      participant_from: "+251911700002",
      status: "open",
    });
    expect(verifyCallbackSignature(okA.secret, created.signature, created.body, Date.now() / 1000)).toBe(true);
    const conversationId = created.event.data.conversation_id as string;

    // A reply through the conversation reaches the provider, and its status comes back to A's
    // endpoint signed.
    const reply = await api(accountA, "POST", `/v1/conversations/${conversationId}/messages`, {
      message_body: "we hear you",
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const replyId = reply.body.id as string;
    const replyDelivered = await eventually(
      "the reply's delivered callback",
      async () =>
        hitsAt("/a/ok").find(
          (x) =>
            x.event.type === "message.status" &&
            x.event.data.message_id === replyId &&
            x.event.data.status === "delivered",
        ),
      30_000,
    );
    expect(verifyCallbackSignature(okA.secret, replyDelivered.signature, replyDelivered.body, Date.now() / 1000)).toBe(
      true,
    );
    const providerGot = (await (await fetch(`${h.sim.httpUrl}/_sim/received?provider=twilio`)).json()) as {
      received: { text?: string }[];
    };
    expect(providerGot.received.some((r) => r.text === "we hear you")).toBe(true);
    expect((await api(accountB, "PATCH", `/v1/conversations/${conversationId}`, { status: "closed" })).status).toBe(
      404,
    );
    expect((await api(accountA, "PATCH", `/v1/conversations/${conversationId}`, { status: "closed" })).status).toBe(
      200,
    );
    const closedConversation = await eventually(
      "A's conversation.updated",
      async () =>
        hitsAt("/a/ok").find(
          (x) => x.event.type === "conversation.updated" && x.event.data.conversation_id === conversationId,
        ),
      30_000,
    );
    expect(closedConversation.event.data).toMatchObject({ status: "closed", changed: ["status"] });
    // The customer writes again: the inbound message reopens the conversation, conversation.updated.
    await customerWrites("still there?");
    const reopened = await eventually(
      "A's conversation.updated for the reopening",
      async () =>
        hitsAt("/a/ok").find(
          (x) =>
            x.event.type === "conversation.updated" &&
            x.event.data.conversation_id === conversationId &&
            x.event.data.status === "open",
        ),
      30_000,
    );
    expect(reopened.event.data).toMatchObject({ changed: ["status"], unread_count: 2 });
    expect(verifyCallbackSignature(okA.secret, reopened.signature, reopened.body, Date.now() / 1000)).toBe(true);

    // The flaky endpoint: each event answered 500 once, then taken exactly once.
    const flakyIds = new Set(statuses.map((x) => x.eventId));
    await eventually(
      "the flaky endpoint to take every status",
      async () => {
        const taken = hitsAt("/a/flaky").filter((x) => x.answered === 200);
        return [...flakyIds].every((id) => taken.some((x) => x.eventId === id)) ? true : undefined;
      },
      30_000,
    );
    for (const id of flakyIds) {
      const tries = hitsAt("/a/flaky").filter((x) => x.eventId === id);
      expect(tries.map((x) => x.answered)).toEqual([500, 200]);
    }
    const flakyLog = await api(accountA, "GET", `/v1/webhook-endpoints/${flakyA.id}/deliveries`);
    expect(flakyLog.status).toBe(200);
    const flakyItems = flakyLog.body.items as Array<{ status: string; history: Array<{ status_code: number }> }>;
    expect(flakyItems.length).toBeGreaterThanOrEqual(2);
    for (const d of flakyItems) {
      expect(d.status).toBe("delivered");
      expect(d.history.map((a) => a.status_code)).toEqual([500, 200]);
    }

    // The dead endpoint: retried for the whole (shortened) retry period, then disabled with its reason.
    const disabled = await eventually(
      "the dead endpoint disabled",
      async () => {
        const r = await api(accountA, "GET", `/v1/webhook-endpoints/${downA.id}`);
        return r.body.enabled === false ? r.body : undefined;
      },
      RETRY_PERIOD_MS + 30_000,
    );
    expect(disabled.disabled_reason).toMatch(/retry period.*connection_failed/);
    const deadLog = await api(accountA, "GET", `/v1/webhook-endpoints/${downA.id}/deliveries`);
    const deadItems = deadLog.body.items as Array<{
      status: string;
      attempts: number;
      last_error_code: string | null;
    }>;
    expect(deadItems.length).toBeGreaterThan(0);
    // All failed; those tried failed to connect (a status waiting behind its message's first was never tried).
    for (const d of deadItems) {
      expect(d.status).toBe("failed");
      expect(d.last_error_code).toBe(d.attempts > 0 ? "connection_failed" : null);
    }
    expect(Math.max(...deadItems.map((d) => d.attempts))).toBeGreaterThan(1);
    // A retry on a disabled endpoint is refused until it is enabled again.
    const deadId = (deadLog.body.items as Array<{ id: string }>)[0]!.id;
    const refused = await api(accountA, "POST", `/v1/webhook-endpoints/${downA.id}/deliveries/${deadId}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("webhook_endpoint_disabled");

    // B's endpoint has B's events only, and none of B's reached A's endpoints.
    await eventually(
      "B's sent status",
      async () => (hitsAt("/b/ok").some((x) => x.event.data.status === "sent") ? true : undefined),
      30_000,
    );
    for (const x of hitsAt("/b/ok")) {
      expect(x.event.account_id).toBe(accountB);
      expect(x.event.data.message_id).toBe(messageB);
      expect(verifyCallbackSignature(okB.secret, x.signature, x.body, Date.now() / 1000)).toBe(true);
    }
    expect(hitsAt("/b/ok").some((x) => x.event.type.startsWith("conversation."))).toBe(false);
    for (const x of hits.filter((y) => y.path.startsWith("/a/"))) expect(x.event.account_id).toBe(accountA);
    expect(hits.some((x) => x.path.startsWith("/a/") && x.event.data.message_id === messageB)).toBe(false);

    // A two-recipient campaign on A's channel: its progress, then its completion with the counters.
    const group = await api(accountA, "POST", "/v1/contact-groups", { name: "callback campaign" });
    for (const phone of ["+251911700011", "+251911700012"]) {
      const c = await api(accountA, "POST", "/v1/contacts", { name: phone, phone });
      expect(c.status, JSON.stringify(c.body)).toBe(201);
      await api(accountA, "POST", `/v1/contact-groups/${group.body.id as string}/members`, {
        contact_ids: [c.body.id],
      });
    }
    const campaign = await api(accountA, "POST", "/v1/group-messages", {
      channel_id: chA.body.id,
      contact_group_ids: [group.body.id],
      message_body: "campaign hello",
      status: "queued",
    });
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
    const ofCampaign = () =>
      hitsAt("/a/ok").filter(
        (x) => x.event.type.startsWith("campaign.") && x.event.data.group_message_id === campaign.body.id,
      );
    const completed = await eventually(
      "A's campaign.completed",
      async () => ofCampaign().find((x) => x.event.type === "campaign.completed"),
      60_000,
    );
    expect(completed.event.data).toMatchObject({ status: "completed", counters: { total: 2, queued: 0, failed: 0 } });
    expect(verifyCallbackSignature(okA.secret, completed.signature, completed.body, Date.now() / 1000)).toBe(true);
    const types = ofCampaign().map((x) => x.event.type);
    expect(types.indexOf("campaign.progress")).toBeGreaterThanOrEqual(0);
    expect(types.indexOf("campaign.progress")).toBeLessThan(types.indexOf("campaign.completed"));

    // A channel paused by its account: channel.status to A's endpoint, staged with the change.
    expect((await api(accountA, "PATCH", `/v1/channels/${chA.body.id as string}`, { status: "paused" })).status).toBe(
      200,
    );
    const paused = await eventually(
      "A's channel.status",
      async () => hitsAt("/a/ok").find((x) => x.event.type === "channel.status"),
      30_000,
    );
    expect(paused.event).toMatchObject({ account_id: accountA, data: { channel_id: chA.body.id, status: "paused" } });

    // A manual retry sends a delivered event again, under the same event id.
    const okLog = await api(accountA, "GET", `/v1/webhook-endpoints/${okA.id}/deliveries`);
    const first = (okLog.body.items as Array<{ id: string; event_id: string }>)[0]!;
    const before = hitsAt("/a/ok").filter((x) => x.eventId === first.event_id).length;
    expect((await api(accountA, "POST", `/v1/webhook-endpoints/${okA.id}/deliveries/${first.id}/retry`)).status).toBe(
      202,
    );
    await eventually(
      "the manual retry",
      async () => (hitsAt("/a/ok").filter((x) => x.eventId === first.event_id).length > before ? true : undefined),
      15_000,
    );
  }, 180_000);

  it("delivers an event whose publish was lost after its commit, from the outbox, once by event id", async () => {
    const ep = await endpoint(accountA, `${sinkUrl}/a/outbox`, ["message.status"]);
    // What a dispatcher killed between its commit and its publish leaves: the event staged with
    // the status change, never published.
    const messageId = randomUUID();
    const event = callbackEvent("message.status", {
      id: stableEventId("message.status", messageId, "delivered"),
      accountId: accountA,
      orderingKey: `message:${messageId}`,
      data: {
        message_id: messageId,
        channel_id: null,
        from_status: "sent",
        status: "delivered",
        group_message_id: null,
        error_code: null,
      },
    });
    await withPg(h.db, (c) =>
      c.query(
        `INSERT INTO callback_outbox (event_id, account_id, payload, created_at) VALUES ($1, $2, $3, now() - interval '5 minutes')`,
        [event.id, accountA, JSON.stringify(event)],
      ),
    );
    const hit = await eventually(
      "the swept event at the endpoint",
      async () => hitsAt("/a/outbox").find((x) => x.eventId === event.id),
      30_000,
    );
    expect(verifyCallbackSignature(ep.secret, hit.signature, hit.body, Date.now() / 1000)).toBe(true);
    expect(hit.event).toMatchObject({ id: event.id, account_id: accountA, data: { message_id: messageId } });
    // Two more sweeps later: still once, and nothing left in the outbox (every event of the test settled).
    await new Promise((r) => setTimeout(r, 12_000));
    expect(hitsAt("/a/outbox").filter((x) => x.eventId === event.id)).toHaveLength(1);
    const left = await withPg(h.db, (c) => c.query(`SELECT count(*)::int AS n FROM callback_outbox`));
    expect(left.rows[0].n).toBe(0);
  }, 60_000);
});
