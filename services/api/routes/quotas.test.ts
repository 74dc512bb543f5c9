import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../../db/accounts/api-keys.js";
import { insertChannel } from "../../../db/testkit/embedded.js";
import { startEmbeddedApi, type EmbeddedApi } from "../testkit/embedded-api.js";

/**
 * /v1/quotas and the accept-time check on the embedded API: usage so far, 429 quota_exceeded
 * with the reset time before any row is written, for single sends, campaigns and scheduled sends
 * whose firing is known to pass it (when created, and when an edit changes recipients or time).
 */
describe("/v1/quotas", () => {
  let api: EmbeddedApi;
  let sms: string;
  let mail: string;
  beforeAll(async () => {
    api = await startEmbeddedApi();
    sms = await insertChannel(api.db, api.accountId, { channelType: "sms", provider: "twilio" });
    mail = await insertChannel(api.db, api.accountId, { channelType: "email", provider: "default" });
  });
  afterAll(async () => api.close());

  const send = (channel = sms, to = "+251911000901") =>
    api.call("POST", "/v1/messages", { body: { channel_id: channel, delivery_address: to, message_body: "hi" } });
  const count = async (sql: string) =>
    Number((await api.db.withSession((s) => s.query<{ n: number }>(sql, [api.accountId]))).rows[0]!.n);
  const messages = () => count(`SELECT count(*)::int AS n FROM messages WHERE account_id = $1`);

  it("a new quota counts what was sent this period; the limit refuses the send that would pass it, writing nothing", async () => {
    expect((await send()).status).toBe(201);
    const set = await api.call("PATCH", "/v1/quotas/sms", { body: { daily_limit: 2 } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      channel_type: "sms",
      daily: { limit: 2, used: 1, remaining: 1 },
      monthly: { limit: null, used: 1, remaining: null },
    });
    expect((await send()).status).toBe(201);
    const before = await messages();
    const refused = await fetch(`${api.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": api.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ channel_id: sms, delivery_address: "+251911000901", message_body: "hi" }),
    });
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as Record<string, unknown>;
    const midnight = new Date(new Date().toISOString().slice(0, 10));
    midnight.setUTCDate(midnight.getUTCDate() + 1);
    expect(body).toMatchObject({ code: "quota_exceeded", period: "day", limit: 2, used: 2 });
    expect(body.resets_at).toBe(midnight.toISOString());
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await messages()).toBe(before);
    // Another channel type has its own quota (none here).
    expect((await send(mail, "ana@example.org")).status).toBe(201);
    const listed = await api.call("GET", "/v1/quotas");
    expect(listed.body.items).toEqual([
      expect.objectContaining({ channel_type: "sms", daily: expect.objectContaining({ used: 2 }) }),
    ]);
  });

  it("concurrent sends never take the count past the limit", async () => {
    const smpp = await insertChannel(api.db, api.accountId, { channelType: "smpp", provider: "smpp" });
    await api.call("PATCH", "/v1/quotas/smpp", { body: { monthly_limit: 5 } });
    const results = await Promise.all(Array.from({ length: 12 }, () => send(smpp)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(7);
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE account_id = $1 AND channel_type = 'smpp'`)).toBe(
      5,
    );
  });

  it("a campaign larger than what remains is refused when queued, created or from a draft; a draft is not counted", async () => {
    const wa = await insertChannel(api.db, api.accountId, { channelType: "telegram", provider: "default" });
    await api.call("PATCH", "/v1/quotas/telegram", { body: { daily_limit: 2 } });
    const g = await api.call("POST", "/v1/contact-groups", { body: { name: "three" } });
    for (const id of ["5550901", "5550902", "5550903"]) {
      const c = await api.call("POST", "/v1/contacts", { body: { name: id, metadata: { telegram_chat_id: id } } });
      await api.call("POST", `/v1/contact-groups/${String(g.body.id)}/members`, { body: { contact_ids: [c.body.id] } });
    }
    const campaigns = () => count(`SELECT count(*)::int AS n FROM group_messages WHERE account_id = $1`);
    const before = await campaigns();
    const queued = await api.call("POST", "/v1/group-messages", {
      body: { channel_id: wa, contact_group_ids: [g.body.id], message_body: "hi", status: "queued" },
    });
    expect(queued).toMatchObject({ status: 429, body: { code: "quota_exceeded", limit: 2, used: 0 } });
    expect(await campaigns()).toBe(before);
    const draft = await api.call("POST", "/v1/group-messages", {
      body: { channel_id: wa, contact_group_ids: [g.body.id], message_body: "hi" },
    });
    expect(draft.status).toBe(201);
    const patched = await api.call("PATCH", `/v1/group-messages/${String(draft.body.id)}`, {
      body: { status: "queued" },
    });
    expect(patched).toMatchObject({ status: 429, body: { code: "quota_exceeded" } });
    await api.call("PATCH", "/v1/quotas/telegram", { body: { daily_limit: 3 } });
    const again = await api.call("PATCH", `/v1/group-messages/${String(draft.body.id)}`, {
      body: { status: "queued" },
    });
    expect(again.status).toBe(200);
    expect((await api.call("GET", "/v1/quotas")).body.items).toContainEqual(
      expect.objectContaining({ channel_type: "telegram", daily: expect.objectContaining({ used: 3, remaining: 0 }) }),
    );
  });

  it("a scheduled send known to pass the quota when it fires is refused before any row; a later one is taken", async () => {
    await api.call("PATCH", "/v1/quotas/email", { body: { daily_limit: 1 } });
    // The first test sent one e-mail today: nothing left of today's quota.
    const schedules = () => count(`SELECT count(*)::int AS n FROM scheduled_messages WHERE account_id = $1`);
    const before = await schedules();
    const schedule = (at: Date, extra: Record<string, unknown>) =>
      api.call("POST", "/v1/scheduled-messages", {
        body: { channel_id: mail, message_body: "later", scheduled_at: at.toISOString(), ...extra },
      });
    const midnight = new Date(new Date().toISOString().slice(0, 10));
    midnight.setUTCDate(midnight.getUTCDate() + 1);
    // Fires today, before the day's quota resets: refused with the reset time.
    const today = new Date(Math.min(Date.now() + 60_000, midnight.getTime() - 1_000));
    const refused = await schedule(today, { send_type: "single", delivery_address: "ana@example.org" });
    expect(refused).toMatchObject({
      status: 429,
      body: { code: "quota_exceeded", period: "day", limit: 1, used: 1, resets_at: midnight.toISOString() },
    });
    expect(await schedules()).toBe(before);
    // Fires after the reset: taken; the firing decides.
    const tomorrow = new Date(midnight.getTime() + 3_600_000);
    expect((await schedule(tomorrow, { send_type: "single", delivery_address: "ana@example.org" })).status).toBe(201);
    // A group larger than the limit fits no day.
    const g = await api.call("POST", "/v1/contact-groups", { body: { name: "mail pair" } });
    for (const email of ["b@example.org", "c@example.org"]) {
      const c = await api.call("POST", "/v1/contacts", { body: { name: email, email } });
      await api.call("POST", `/v1/contact-groups/${String(g.body.id)}/members`, { body: { contact_ids: [c.body.id] } });
    }
    const group = await schedule(tomorrow, { send_type: "group", contact_group_ids: [g.body.id] });
    expect(group).toMatchObject({ status: 429, body: { code: "quota_exceeded", period: "day", limit: 1 } });
    expect(await schedules()).toBe(before + 1);
  });

  it("an edit of a scheduled send that makes its firing known to pass the quota is refused, the schedule unchanged", async () => {
    // The e-mail quota is 1 a day and today's is used (the tests above).
    const midnight = new Date(new Date().toISOString().slice(0, 10));
    midnight.setUTCDate(midnight.getUTCDate() + 1);
    const tomorrow = new Date(midnight.getTime() + 3_600_000);
    const today = new Date(Math.min(Date.now() + 60_000, midnight.getTime() - 1_000));
    const single = await api.call("POST", "/v1/scheduled-messages", {
      body: {
        channel_id: mail,
        message_body: "later",
        scheduled_at: tomorrow.toISOString(),
        send_type: "single",
        delivery_address: "ana@example.org",
      },
    });
    expect(single.status).toBe(201);
    const path = `/v1/scheduled-messages/${String(single.body.id)}`;
    // Moved into today, whose quota is used: refused with the reset time.
    const earlier = await api.call("PATCH", path, { body: { scheduled_at: today.toISOString() } });
    expect(earlier).toMatchObject({
      status: 429,
      body: { code: "quota_exceeded", period: "day", limit: 1, used: 1, resets_at: midnight.toISOString() },
    });
    expect((await api.call("GET", path)).body.scheduled_at).toBe(tomorrow.toISOString());
    // An edit that leaves recipients and time alone is not checked.
    expect((await api.call("PATCH", path, { body: { message_body: "later still" } })).status).toBe(200);

    // A group send grown past the limit fits no day.
    const group = async (name: string, emails: string[]) => {
      const g = await api.call("POST", "/v1/contact-groups", { body: { name } });
      for (const email of emails) {
        const c = await api.call("POST", "/v1/contacts", { body: { name: email, email } });
        await api.call("POST", `/v1/contact-groups/${String(g.body.id)}/members`, {
          body: { contact_ids: [c.body.id] },
        });
      }
      return String(g.body.id);
    };
    const one = await group("one", ["d@example.org"]);
    const two = await group("two", ["e@example.org", "f@example.org"]);
    const campaign = await api.call("POST", "/v1/scheduled-messages", {
      body: {
        channel_id: mail,
        message_body: "later",
        scheduled_at: tomorrow.toISOString(),
        send_type: "group",
        contact_group_ids: [one],
      },
    });
    expect(campaign.status).toBe(201);
    const grown = await api.call("PATCH", `/v1/scheduled-messages/${String(campaign.body.id)}`, {
      body: { contact_group_ids: [one, two] },
    });
    expect(grown).toMatchObject({ status: 429, body: { code: "quota_exceeded", period: "day", limit: 1 } });
    expect(
      (await api.call("GET", `/v1/scheduled-messages/${String(campaign.body.id)}`)).body.contact_group_ids,
    ).toEqual([one]);
  });

  it("resuming a paused scheduled send whose next firing is known to pass the quota is refused; it stays paused", async () => {
    // The e-mail quota is 1 a day (the tests above): a group of one fits tomorrow, of two no day.
    const midnight = new Date(new Date().toISOString().slice(0, 10));
    midnight.setUTCDate(midnight.getUTCDate() + 1);
    const tomorrow = new Date(midnight.getTime() + 3_600_000);
    const g = await api.call("POST", "/v1/contact-groups", { body: { name: "grows while paused" } });
    const member = async (email: string) => {
      const c = await api.call("POST", "/v1/contacts", { body: { name: email, email } });
      await api.call("POST", `/v1/contact-groups/${String(g.body.id)}/members`, { body: { contact_ids: [c.body.id] } });
    };
    await member("g@example.org");
    const created = await api.call("POST", "/v1/scheduled-messages", {
      body: {
        channel_id: mail,
        message_body: "later",
        scheduled_at: tomorrow.toISOString(),
        send_type: "group",
        contact_group_ids: [g.body.id],
      },
    });
    expect(created.status).toBe(201);
    const path = `/v1/scheduled-messages/${String(created.body.id)}`;
    expect((await api.call("PATCH", path, { body: { status: "paused" } })).body.status).toBe("paused");
    // The group grows past the limit while the schedule is paused.
    await member("h@example.org");
    const resumed = await api.call("PATCH", path, { body: { status: "pending" } });
    expect(resumed).toMatchObject({ status: 429, body: { code: "quota_exceeded", period: "day", limit: 1 } });
    expect((await api.call("GET", path)).body.status).toBe("paused");
  });

  it("is for admins only; a quota removed no longer limits", async () => {
    const manager = await createApiKey(api.db.orm, api.accountId, "m", "manager", new Date());
    const asManager = await api.call("GET", "/v1/quotas", { headers: { "x-api-key": manager.key } });
    expect(asManager.status).toBe(403);
    expect((await api.call("PATCH", "/v1/quotas/fax", { body: { daily_limit: 1 } })).status).toBe(400);
    expect((await api.call("PATCH", "/v1/quotas/sms", { body: {} })).status).toBe(400);
    expect((await api.call("DELETE", "/v1/quotas/sms")).status).toBe(204);
    expect((await api.call("DELETE", "/v1/quotas/sms")).status).toBe(404);
    expect((await send()).status).toBe(201);
  });
});
