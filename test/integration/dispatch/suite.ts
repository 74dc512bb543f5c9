import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PubSubKind, StateKind } from "../../../scripts/launcher/stack.js";
import { eventually } from "../support/stack.js";
import { publishNudge, seedChannel, seedMessages, statusCounts, withPg, type SeedChannel } from "../support/seed.js";
import {
  maxInWindow,
  startDispatchHarness,
  telegramCredentials,
  timeline,
  twilioCredentials,
  vonageCredentials,
  type DispatchHarness,
} from "./harness.js";

const rowsOf = (db: string, ids: string[]) =>
  withPg(
    db,
    async (c) =>
      (
        await c.query<{
          id: string;
          status: string;
          attempts: number;
          error_code: string | null;
          channel_id: string;
          failover: unknown;
        }>(`SELECT id, status, attempts, error_code, channel_id, failover FROM messages WHERE id = ANY($1::uuid[])`, [
          ids,
        ])
      ).rows,
  );

/**
 * The dispatch suite, on the production set by default; the component-swap matrix runs it
 * unchanged on other brokers and state stores (test/integration/swaps/matrix.ts).
 */
export function dispatchSuite(opts: {
  basePort: number;
  pubsub?: PubSubKind;
  state?: StateKind;
  extraDispatchers?: number;
}): void {
  describe(`dispatch pipeline (${opts.pubsub ?? "rabbitmq"}, ${opts.state ?? "postgresql"} actor state, ${1 + (opts.extraDispatchers ?? 0)} dispatcher replicas, simulator)`, () => {
    let h: DispatchHarness;
    const nudge = (ch: SeedChannel, extra: Record<string, unknown> = {}) =>
      publishNudge(h.apiDaprPort, h.t.stack.tokens.daprApiToken, ch, extra);
    const allIn = (ch: SeedChannel, status: string, n: number, timeoutMs = 60_000) =>
      eventually(
        `${n} messages ${status}`,
        async () => {
          const c = await statusCounts(h.db, [ch.id]);
          return c[status] === n ? c : undefined;
        },
        timeoutMs,
      );
    // SMPP receipts come back on the bind and move messages on to delivered/failed, so "handed to
    // the SMSC" is every status after sending.
    const allHandedOver = (ch: SeedChannel, n: number, timeoutMs = 60_000) =>
      eventually(
        `${n} messages handed to the provider`,
        async () => {
          const c = await statusCounts(h.db, [ch.id]);
          const handed = (c.sent ?? 0) + (c.delivered ?? 0) + (c.read ?? 0) + (c.undelivered ?? 0) + (c.failed ?? 0);
          return handed === n && !c.queued && !c.sending ? c : undefined;
        },
        timeoutMs,
      );

    beforeAll(async () => {
      h = await startDispatchHarness({
        ...opts,
        // Twilio accounts at 10/s: the operator's setting, the only way to change an account's rate.
        appEnv: { BREAKER_THRESHOLD: "3", BREAKER_OPEN_MS: "20000", PROVIDER_ACCOUNT_RATES: '{"twilio":600}' },
      });
    });
    afterAll(async () => {
      await h?.stop();
    });
    beforeEach(() => {
      h.sim.configure({});
    });

    it("sweeps once per period however many dispatchers run, and only the sweeping one exports the backlog gauges", async () => {
      const dispatchers = [...h.t.stack.apps.entries()]
        .filter(([, a]) => a.spec.role === "dispatcher")
        .map(([id]) => id);
      expect(dispatchers).toHaveLength(1 + (opts.extraDispatchers ?? 0));
      const scrape = () =>
        Promise.all(dispatchers.map(async (id) => (await fetch(h.t.stack.url(id, "/metrics"))).text()));
      const sweeps = (texts: string[]) =>
        texts.reduce((n, t) => n + Number(/^turumba_dispatch_sweeps_total (\S+)/m.exec(t)?.[1] ?? 0), 0);
      await eventually(
        "the sweeper reminder fires",
        async () => (sweeps(await scrape()) > 1 ? true : undefined),
        30_000,
      );

      const before = sweeps(await scrape());
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, 8_000));
      const texts = await scrape();
      const periods = (Date.now() - t0) / 1_000; // SWEEP_INTERVAL_MS is 1000 in the harness
      const ran = sweeps(texts) - before;
      // One reminder for the cluster: about one sweep per period, not one per replica per period.
      expect(ran).toBeGreaterThanOrEqual(Math.floor(periods) - 2);
      expect(ran).toBeLessThanOrEqual(Math.ceil(periods) + 1);
      expect(texts.filter((t) => /^turumba_dispatch_sweeps_total [1-9]/m.test(t)).length).toBeGreaterThanOrEqual(1);
      expect(texts.filter((t) => /^turumba_dispatch_queue_depth\{/m.test(t)).length).toBeLessThanOrEqual(1);
    });

    it("sends every queued message exactly once and records sent with the provider id", async () => {
      const ch = await seedChannel(h.db, {
        channelType: "telegram",
        credentials: telegramCredentials,
        rateLimit: 60_000,
        burst: 200,
      });
      const ids = await seedMessages(h.db, ch, 300, { address: (i) => `9${String(i).padStart(6, "0")}` });
      // The same event delivered several times (a forced redelivery) must not send anything twice.
      await Promise.all([nudge(ch), nudge(ch), nudge(ch)]);
      expect(await allIn(ch, "sent", 300)).toEqual({ sent: 300 });
      const res = await fetch(`${h.sim.httpUrl}/_sim/recipients/telegram`);
      const { recipients } = (await res.json()) as { recipients: Record<string, number> };
      const ours = Object.entries(recipients).filter(([to]) => to.startsWith("9"));
      expect(ours).toHaveLength(300);
      expect(ours.every(([, n]) => n === 1)).toBe(true);
      await withPg(h.db, async (c) => {
        const r = await c.query(
          `SELECT count(*)::int AS n FROM messages WHERE id = ANY($1::uuid[]) AND provider_message_id IS NOT NULL AND sent_at IS NOT NULL AND attempts = 1`,
          [ids],
        );
        expect(r.rows[0].n).toBe(300);
        const ev = await c.query(
          `SELECT to_status, count(*)::int AS n FROM message_events WHERE message_id = ANY($1::uuid[]) GROUP BY to_status ORDER BY to_status`,
          [ids],
        );
        expect(ev.rows).toEqual([
          { to_status: "sending", n: 300 },
          { to_status: "sent", n: 300 },
        ]);
      });
    });

    it("never exceeds the channel's bucket in any sliding second, and uses ≥ 95 % of it under backlog", async () => {
      // 600/min with a burst of 10: at most 10 + 10 sends in any one-second window.
      const ch = await seedChannel(h.db, {
        channelType: "sms",
        provider: "vonage",
        credentials: vonageCredentials,
        rateLimit: 600,
        burst: 10,
      });
      const before = (await timeline(h, "vonage")).length;
      await seedMessages(h.db, ch, 150, { address: (i) => `2547${String(i).padStart(8, "0")}` });
      await nudge(ch);
      await allIn(ch, "sent", 150, 60_000);
      const times = (await timeline(h, "vonage")).slice(before);
      expect(times).toHaveLength(150);
      expect(maxInWindow(times, 1_000)).toBeLessThanOrEqual(20);
      // Steady state (after the first burst): the rate the bucket allows, within 5 %.
      const steady = times.slice(10).sort((a, b) => a - b);
      const perSecond = ((steady.length - 1) / (steady.at(-1)! - steady[0]!)) * 1_000;
      expect(perSecond).toBeGreaterThanOrEqual(9.5);
      expect(perSecond).toBeLessThanOrEqual(10.5);
    });

    it("retries retryable failures with backoff up to the retry limit, then fails with the last error", async () => {
      h.sim.configure({ providers: { telegram: { errorRate: 1 } } });
      // One message, so the channel's circuit (3 consecutive failures here) opens only at its last attempt.
      const ch = await seedChannel(h.db, { channelType: "telegram", credentials: telegramCredentials, maxAttempts: 3 });
      const ids = await seedMessages(h.db, ch, 1);
      const started = Date.now();
      await nudge(ch);
      await allIn(ch, "failed", 1, 30_000);
      // Backoff 1 s then 2 s (±20 %) between the three attempts.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_400);
      for (const r of await rowsOf(h.db, ids))
        expect(r).toMatchObject({ status: "failed", attempts: 3, error_code: expect.stringMatching(/.+/) });
    });

    it("fails a permanent rejection at once, after one attempt", async () => {
      const ch = await seedChannel(h.db, { channelType: "telegram", credentials: telegramCredentials });
      const ids = await seedMessages(h.db, ch, 3, { body: "" }); // Telegram refuses empty text with a 400
      await nudge(ch);
      await allIn(ch, "failed", 3);
      for (const r of await rowsOf(h.db, ids)) expect(r).toMatchObject({ status: "failed", attempts: 1 });
    });

    it("honours a provider's throttling and sends once it lifts", async () => {
      h.sim.configure({ providers: { telegram: { throttleRate: 1 } } });
      const ch = await seedChannel(h.db, { channelType: "telegram", credentials: telegramCredentials, maxAttempts: 2 });
      const ids = await seedMessages(h.db, ch, 4);
      await nudge(ch);
      await eventually("a throttled attempt", async () =>
        (await rowsOf(h.db, ids)).some((r) => r.error_code && r.attempts >= 1) ? true : undefined,
      );
      h.sim.configure({});
      await allIn(ch, "sent", 4, 30_000);
      // Throttling does not use up retries: attempts may exceed max_attempts (2) without failing.
      for (const r of await rowsOf(h.db, ids)) expect(r.status).toBe("sent");
    });

    it("puts a poison dispatch event on the dead-letter topic, visible through the API", async () => {
      const marker = `poison-${Date.now()}`;
      const res = await fetch(`http://127.0.0.1:${h.apiDaprPort}/v1.0/publish/pubsub/message.dispatch.telegram`, {
        method: "POST",
        headers: { "content-type": "application/json", "dapr-api-token": h.t.stack.tokens.daprApiToken },
        body: JSON.stringify({ marker }),
      });
      expect(res.status).toBe(204);
      await eventually("the poison event in the dead-letter log", async () => {
        const r = await h.t.ops("/internal/dead-letters/message.dispatch.telegram");
        return (r.body as { recent: { data: string }[] }).recent?.some((e) => e.data.includes(marker))
          ? true
          : undefined;
      });
    });

    it("fails over to the next channel by priority when a provider is down", async () => {
      h.sim.configure({ providers: { twilio: { errorRate: 1 } } });
      const accountId = crypto.randomUUID();
      const primary = await seedChannel(h.db, {
        accountId,
        channelType: "sms",
        provider: "twilio",
        credentials: twilioCredentials,
        priority: 10,
        maxAttempts: 50,
      });
      const backup = await seedChannel(h.db, {
        accountId,
        channelType: "sms",
        provider: "vonage",
        credentials: vonageCredentials,
        priority: 5,
      });
      const movable = await seedMessages(h.db, primary, 10, { metadata: { allow_failover: true } });
      const pinned = await seedMessages(h.db, primary, 2);
      await nudge(primary);
      await allIn(backup, "sent", 10, 60_000);
      for (const r of await rowsOf(h.db, movable)) {
        expect(r.channel_id).toBe(backup.id);
        expect(r.failover).toEqual([expect.objectContaining({ channel_id: primary.id, error_code: "circuit_open" })]);
      }
      // A message that named its channel stays there, still waiting for it.
      for (const r of await rowsOf(h.db, pinned)) expect(r).toMatchObject({ channel_id: primary.id, status: "queued" });
      // Cancel them so their later send cannot blur the rate measurements of other tests.
      await withPg(h.db, (c) =>
        c.query(`UPDATE messages SET status = 'cancelled' WHERE id = ANY($1::uuid[])`, [pinned]),
      );
    });

    it("holds a paused channel's messages and sends them on resume", async () => {
      const ch = await seedChannel(h.db, {
        channelType: "telegram",
        credentials: telegramCredentials,
        status: "paused",
      });
      await seedMessages(h.db, ch, 6);
      await nudge(ch);
      await new Promise((r) => setTimeout(r, 2_000));
      expect(await statusCounts(h.db, [ch.id])).toEqual({ queued: 6 });
      await withPg(h.db, (c) => c.query(`UPDATE channels SET status = 'active' WHERE id = $1`, [ch.id]));
      const res = await fetch(`http://127.0.0.1:${h.apiDaprPort}/v1.0/publish/pubsub/channel.updated`, {
        method: "POST",
        headers: { "content-type": "application/json", "dapr-api-token": h.t.stack.tokens.daprApiToken },
        body: JSON.stringify({ channelId: ch.id }),
      });
      expect(res.status).toBe(204);
      await allIn(ch, "sent", 6);
    });

    it("fails messages over the account's daily quota with quota_exceeded, counting exactly", async () => {
      const accountId = crypto.randomUUID();
      await withPg(h.db, (c) =>
        c.query(`INSERT INTO account_quotas (account_id, daily_limit) VALUES ($1, 5)`, [accountId]),
      );
      const a = await seedChannel(h.db, { accountId, channelType: "telegram", credentials: telegramCredentials });
      const b = await seedChannel(h.db, { accountId, channelType: "telegram", credentials: telegramCredentials });
      const ids = [...(await seedMessages(h.db, a, 4)), ...(await seedMessages(h.db, b, 4))];
      await Promise.all([nudge(a), nudge(b)]);
      const rows = await eventually("all eight settled", async () => {
        const r = await rowsOf(h.db, ids);
        return r.every((x) => x.status === "sent" || x.status === "failed") ? r : undefined;
      });
      expect(rows.filter((r) => r.status === "sent")).toHaveLength(5);
      expect(rows.filter((r) => r.status === "failed").map((r) => r.error_code)).toEqual([
        "quota_exceeded",
        "quota_exceeded",
        "quota_exceeded",
      ]);
    });

    it("shares one provider account's rate across the channels that use it", async () => {
      // Two channels of one tenant, each allowed 1,000/s on its own, on one Twilio account limited
      // to 10/s (PROVIDER_ACCOUNT_RATES). A tenant's channel metadata asking for more is ignored.
      const shared = { ...twilioCredentials, account_sid: `AC${"b2".repeat(16)}` };
      const meta = { provider_account_rate_per_minute: 60_000 };
      const accountId = crypto.randomUUID();
      const a = await seedChannel(h.db, {
        accountId,
        channelType: "sms",
        provider: "twilio",
        credentials: shared,
        rateLimit: 60_000,
        burst: 100,
      });
      const b = await seedChannel(h.db, {
        accountId,
        channelType: "sms",
        provider: "twilio",
        credentials: shared,
        rateLimit: 60_000,
        burst: 100,
      });
      await withPg(h.db, (c) =>
        c.query(`UPDATE channels SET metadata = $2 WHERE id = ANY($1::uuid[])`, [[a.id, b.id], JSON.stringify(meta)]),
      );
      const before = (await timeline(h, "twilio")).length;
      await seedMessages(h.db, a, 40);
      await seedMessages(h.db, b, 40);
      await Promise.all([nudge(a), nudge(b)]);
      await eventually(
        "80 sent",
        async () => ((await statusCounts(h.db, [a.id, b.id])).sent === 80 ? true : undefined),
        60_000,
      );
      const times = (await timeline(h, "twilio")).slice(before);
      expect(times).toHaveLength(80);
      expect(maxInWindow(times, 1_000)).toBeLessThanOrEqual(20);
      // And the account's rate is used: channels cut short by it come back on their own instead
      // of waiting for the sweeper's next nudge (which sent at about a third of this rate).
      const sorted = [...times].sort((x, y) => x - y);
      const perSecond = (sorted.length - 1) / ((sorted.at(-1)! - sorted[0]!) / 1_000);
      expect(perSecond).toBeGreaterThanOrEqual(7);
    });

    it("keeps one SMPP bind across thousands of sends and rebinds after the SMSC restarts", async () => {
      const creds = {
        host: "127.0.0.1",
        port: h.sim.smppPort,
        system_id: "turumba",
        password: "secret",
        source_addr: "TURUMBA",
      };
      const ch = await seedChannel(h.db, { channelType: "smpp", credentials: creds, rateLimit: 120_000, burst: 500 });
      const binds = async () =>
        ((await (await fetch(`${h.sim.httpUrl}/_sim/stats`)).json()) as { providers: { smpp?: { binds: number } } })
          .providers.smpp?.binds ?? 0;
      const before = await binds();
      await seedMessages(h.db, ch, 2_000, { address: (i) => `2557${String(i).padStart(8, "0")}` });
      await nudge(ch);
      await allHandedOver(ch, 2_000, 120_000);
      expect(await binds()).toBe(before + 1);

      await h.sim.restartSmsc(1_000);
      await seedMessages(h.db, ch, 200, { address: (i) => `2558${String(i).padStart(8, "0")}` });
      await nudge(ch);
      await allHandedOver(ch, 2_200, 120_000);
      expect(await binds()).toBe(before + 2);
    });

    it("re-reads credentials when the channel is updated", async () => {
      h.sim.configure({ smpp: { systemId: "turumba", password: "good" } });
      const good = {
        host: "127.0.0.1",
        port: h.sim.smppPort,
        system_id: "turumba",
        password: "good",
        source_addr: "TURUMBA",
      };
      const ch = await seedChannel(h.db, { channelType: "smpp", credentials: { ...good, password: "bad" } });
      const first = await seedMessages(h.db, ch, 2);
      await nudge(ch);
      await eventually("the bad bind to fail the messages", async () =>
        (await rowsOf(h.db, first)).every((r) => r.status === "failed") ? true : undefined,
      );

      const { SecretBox, channelCredentialsAad } = await import("../../../db/secret-box.js");
      const { TEST_KEYS } = await import("../support/seed.js");
      const sealed = SecretBox.fromKeyRing(TEST_KEYS).sealJson(good, channelCredentialsAad(ch.id));
      await withPg(h.db, (c) =>
        c.query(`UPDATE channels SET credentials_ciphertext = $2, credentials_key_id = $3 WHERE id = $1`, [
          ch.id,
          sealed.ciphertext,
          sealed.keyId,
        ]),
      );
      const res = await fetch(`http://127.0.0.1:${h.apiDaprPort}/v1.0/publish/pubsub/channel.updated`, {
        method: "POST",
        headers: { "content-type": "application/json", "dapr-api-token": h.t.stack.tokens.daprApiToken },
        body: JSON.stringify({ channelId: ch.id }),
      });
      expect(res.status).toBe(204);
      const second = await seedMessages(h.db, ch, 3);
      await nudge(ch);
      await eventually(
        "sent with the new credentials",
        async () => ((await rowsOf(h.db, second)).every((r) => r.status === "sent") ? true : undefined),
        30_000,
      );
    });

    it("sends a transactional message ahead of a campaign backlog on the same channel", async () => {
      const ch = await seedChannel(h.db, {
        channelType: "telegram",
        credentials: telegramCredentials,
        rateLimit: 600,
        burst: 10,
      });
      await seedMessages(h.db, ch, 300, { priority: 0 });
      await nudge(ch);
      await eventually("the backlog to start", async () =>
        (await statusCounts(h.db, [ch.id])).sent ? true : undefined,
      );
      const [urgent] = await seedMessages(h.db, ch, 1, { priority: 10 });
      const started = Date.now();
      await nudge(ch);
      await eventually(
        "the urgent message sent",
        async () => ((await rowsOf(h.db, [urgent!]))[0]!.status === "sent" ? true : undefined),
        10_000,
      );
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((await statusCounts(h.db, [ch.id])).queued).toBeGreaterThan(200);
      await withPg(h.db, (c) =>
        c.query(`UPDATE messages SET status = 'cancelled' WHERE channel_id = $1 AND status = 'queued'`, [ch.id]),
      );
    });
  });
}
