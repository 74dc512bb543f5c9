import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileSink } from "../../../scripts/launcher/proc.js";
import { componentSet } from "../../../scripts/launcher/sets.js";
import { startStack, type Stack } from "../../../scripts/launcher/stack.js";
import { openDatabase } from "../../../db/client.js";
import { ScheduleStore } from "../../../db/schedules/schedule-store.js";
import { startSimulator, type RunningSimulator } from "../../../services/simulator/simulator.js";
import { isolatedBroker, type IsolatedBroker } from "../support/broker.js";
import { createTestDatabase } from "../support/database.js";
import { TEST_KEYS, withPg } from "../support/seed.js";
import { eventually } from "../support/stack.js";
import { chatCsv, telegram } from "./harness.js";

/**
 * Scheduled messages on the production stack, driven by Dapr actor reminders. The stack is
 * started by hand (not startTestStack) so the whole platform, control plane included, can be
 * stopped and started again on the same scheduler data and database.
 */
const BASE = 19_200;
const DAY_MS = 86_400_000;

/** Weekday and wall-clock time of an instant in a time zone, e.g. "mon 09:30:05". */
function localTime(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    hourCycle: "h23",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get("weekday").toLowerCase()} ${get("hour")}:${get("minute")}:${get("second")}`;
}

/** A due time a few seconds ahead, on a whole second (rules with a time of day work in seconds). */
const dueIn = (ms: number) => new Date(Math.ceil((Date.now() + ms) / 1_000) * 1_000);

describe("scheduled messages", () => {
  let sim: RunningSimulator;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let broker: IsolatedBroker;
  let stack: Stack | undefined;
  let key = "";
  let channelId = "";
  const accountId = randomUUID();
  const runDir = mkdtempSync(join(tmpdir(), "turumba-it-schedules-"));
  const logs = fileSink(join(runDir, "stack.log"));

  const start = async () => {
    const set = componentSet("production");
    stack = await startStack({
      name: "schedules",
      pubsub: set.pubsub,
      state: set.state,
      apps: set.apps.map((a) => ({
        ...a,
        // Rules every 2 s keep these timing checks short; deployments keep the one-minute minimum.
        env: { SWEEP_STALE_QUEUED_MS: "3000", API_RATE_LIMIT: "0", SCHEDULE_MIN_INTERVAL_SECONDS: "1" },
      })),
      env: {
        ...set.env,
        DATABASE_URL: database.url,
        TURUMBA_SECRET_DAPR_STATE_PG_URL: database.url,
        TURUMBA_SECRET_AMQP_URL: broker.url,
        CREDENTIALS_KEYS: TEST_KEYS,
        PROVIDER_BASE_URLS: JSON.stringify({ telegram: sim.httpUrl }),
      },
      basePort: BASE,
      runDir,
      sink: logs.sink,
    });
  };
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(stack!.url("messaging-api", path), {
      method,
      headers: { "content-type": "application/json", "x-api-key": key, ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  const schedule = async (body: Record<string, unknown>) => {
    const r = await api("POST", "/v1/scheduled-messages", { account_id: accountId, channel_id: channelId, ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  };
  const sends = (scheduleId: string) =>
    withPg(
      database.url,
      async (c) =>
        (
          await c.query<{ created_at: Date; sent_at: Date | null; status: string }>(
            `SELECT created_at, sent_at, status FROM messages WHERE scheduled_message_id = $1 ORDER BY created_at`,
            [scheduleId],
          )
        ).rows,
    );
  const row = async (id: string) => (await api("GET", `/v1/scheduled-messages/${id}`)).body;

  beforeAll(async () => {
    sim = await startSimulator({ httpPort: 0, smtpPort: 0, smppPort: 0 });
    database = await createTestDatabase("schedules");
    broker = await isolatedBroker(`turumba-it-${BASE}`);
    await start();
    const ops = await fetch(stack!.url("messaging-api", "/internal/api-keys"), {
      method: "POST",
      headers: { authorization: `Bearer ${stack!.tokens.opsApiToken}`, "content-type": "application/json" },
      body: JSON.stringify({ accountId }),
    });
    key = ((await ops.json()) as { key: string }).key;
    const ch = await api("POST", "/v1/channels", {
      account_id: accountId,
      name: "tg",
      channel_type: "telegram",
      credentials: telegram,
      rate_limit: 60_000,
    });
    channelId = ch.body.id as string;
  });
  afterAll(async () => {
    await stack?.stop();
    logs.close();
    await sim?.stop();
    await database?.drop();
    await broker?.drop();
  });

  it("fires a one-time send within a second of its due time, once", async () => {
    const due = new Date(Date.now() + 4_000);
    const id = await schedule({
      send_type: "single",
      delivery_address: "7001",
      message_body: "on time",
      scheduled_at: due.toISOString(),
    });
    const [sent] = await eventually(
      "the scheduled send",
      async () => {
        const s = await sends(id);
        return s[0]?.status === "sent" ? s : undefined;
      },
      20_000,
    );
    expect(sent!.created_at.getTime()).toBe(due.getTime());
    const lateMs = sent!.sent_at!.getTime() - due.getTime();
    console.log(`one-time schedule: provider accepted the message ${lateMs} ms after its due time`);
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(1_000);
    expect(await row(id)).toMatchObject({
      status: "completed",
      trigger_count: 1,
      next_trigger_at: null,
      last_triggered_at: due.toISOString(),
    });
  });

  it("recurs per cron rule in its time zone and stops after its count, each trigger on time", async () => {
    const id = await schedule({
      send_type: "single",
      delivery_address: "7002",
      message_body: "tick",
      scheduled_at: new Date(Date.now() + 1_000).toISOString(),
      timezone: "America/New_York",
      is_recurring: true,
      recurrence_rule: "*/2 * * * * *",
      recurrence_max_count: 3,
    });
    const s = await eventually(
      "three triggers sent",
      async () => {
        const x = await sends(id);
        return x.length === 3 && x.every((m) => m.status === "sent") ? x : undefined;
      },
      30_000,
    );
    const times = s.map((m) => m.created_at.getTime());
    expect(times.every((t) => t % 2_000 === 0)).toBe(true);
    expect([times[1]! - times[0]!, times[2]! - times[1]!]).toEqual([2_000, 2_000]);
    const late = s.map((m) => m.sent_at!.getTime() - m.created_at.getTime());
    console.log(`recurring schedule: provider acceptance after each due time (ms): ${late.join(", ")}`);
    expect(Math.max(...late)).toBeLessThan(1_000);
    await eventually(
      "the schedule to complete",
      async () => ((await row(id)).status === "completed" ? true : undefined),
      10_000,
    );
    expect(await row(id)).toMatchObject({ trigger_count: 3, next_trigger_at: null });
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await sends(id)).toHaveLength(3);
  });

  it("recurs daily at the local time of day of its zone, and a weekly rule waits for its weekday in that zone", async () => {
    const daily = dueIn(3_000);
    const d = await schedule({
      send_type: "single",
      delivery_address: "7006",
      message_body: "daily",
      scheduled_at: daily.toISOString(),
      timezone: "America/New_York",
      is_recurring: true,
      recurrence_rule: "daily",
    });
    // Tomorrow's weekday as Tokyo counts days (often not the UTC weekday): nothing today.
    const weekly = dueIn(3_000);
    const tomorrowInTokyo = localTime(new Date(weekly.getTime() + DAY_MS), "Asia/Tokyo").slice(0, 3);
    const w = await schedule({
      send_type: "single",
      delivery_address: "7007",
      message_body: "weekly",
      scheduled_at: weekly.toISOString(),
      timezone: "Asia/Tokyo",
      is_recurring: true,
      recurrence_rule: `weekly:${tomorrowInTokyo}`,
    });
    expect(
      new Date(
        (await eventually(
          "the weekly schedule armed for its weekday",
          async () => {
            const r = await row(w);
            return new Date(r.next_trigger_at as string).getTime() !== weekly.getTime() ? r.next_trigger_at : undefined;
          },
          10_000,
        )) as string,
      ).getTime(),
    ).toBe(weekly.getTime() + DAY_MS); // Tokyo keeps no daylight saving

    const [first] = await eventually(
      "the daily trigger",
      async () => {
        const x = await sends(d);
        return x[0]?.status === "sent" ? x : undefined;
      },
      20_000,
    );
    expect(first!.created_at.getTime()).toBe(daily.getTime());
    const r = await eventually(
      "the next daily trigger",
      async () => {
        const x = await row(d);
        return x.trigger_count === 1 && x.next_trigger_at ? x : undefined;
      },
      10_000,
    );
    const next = new Date(r.next_trigger_at as string);
    expect(localTime(next, "America/New_York").slice(4)).toBe(localTime(daily, "America/New_York").slice(4));
    expect(next.getTime() - daily.getTime()).toBeGreaterThanOrEqual(DAY_MS - 3_600_000);
    expect(next.getTime() - daily.getTime()).toBeLessThanOrEqual(DAY_MS + 3_600_000);

    await new Promise((res) => setTimeout(res, Math.max(0, weekly.getTime() + 2_000 - Date.now())));
    expect(await sends(w)).toHaveLength(0);
    expect(await row(w)).toMatchObject({ status: "pending", trigger_count: 0 });
    for (const id of [d, w])
      expect((await api("PATCH", `/v1/scheduled-messages/${id}`, { status: "cancelled" })).body.status).toBe(
        "cancelled",
      );
  });

  it("creates one send per trigger time however often the trigger fires", async () => {
    const due = dueIn(3_600_000);
    const id = await schedule({
      send_type: "single",
      delivery_address: "7008",
      message_body: "once",
      scheduled_at: due.toISOString(),
    });
    await eventually(
      "the schedule armed",
      async () => ((await row(id)).next_trigger_at === due.toISOString() ? true : undefined),
      10_000,
    );
    // The reminder delivered twice at once (and once more later), straight into the trigger code.
    const published: string[] = [];
    const db = await openDatabase({ url: database.url });
    try {
      const store = new ScheduleStore(db, { publish: async (topic) => void published.push(topic) });
      const now = new Date();
      const results = await Promise.all([store.fire(id, due, null, now), store.fire(id, due, null, now)]);
      expect(results.map((x) => x.fired).sort()).toEqual([false, true]);
      expect((await store.fire(id, due, null, new Date())).fired).toBe(false);
    } finally {
      await db.close();
    }
    expect(published).toHaveLength(1);
    expect(await sends(id)).toHaveLength(1);
    await eventually(
      "the single send",
      async () => ((await sends(id))[0]?.status === "sent" ? true : undefined),
      20_000,
    );
    expect(await row(id)).toMatchObject({ status: "completed", trigger_count: 1, next_trigger_at: null });
  });

  it("creates one group message per trigger for a group schedule, and it completes", async () => {
    const g = await api("POST", "/v1/contact-groups", { account_id: accountId, name: "sched-group" });
    const imp = await api(
      "POST",
      `/v1/contact-groups/${g.body.id as string}/import`,
      ["name,telegram_chat_id", ...chatCsv(50, 60_000_000)].join("\n"),
      { "content-type": "text/csv" },
    );
    expect(imp.status).toBe(200);
    const due = new Date(Date.now() + 3_000);
    const id = await schedule({
      send_type: "group",
      contact_group_ids: [g.body.id],
      message_body: "Hello {NAME}",
      scheduled_at: due.toISOString(),
    });
    const gm = await eventually(
      "the group message",
      async () => {
        const list = await withPg(
          database.url,
          async (c) =>
            (
              await c.query<{ id: string; status: string; sent_count: number; scheduled_for: Date }>(
                `SELECT id, status, sent_count, scheduled_for FROM group_messages WHERE scheduled_message_id = $1`,
                [id],
              )
            ).rows,
        );
        return list.length === 1 && list[0]!.status === "completed" ? list : undefined;
      },
      30_000,
    );
    expect(gm[0]).toMatchObject({ sent_count: 50 });
    expect(gm[0]!.scheduled_for.getTime()).toBe(due.getTime());
    expect(await row(id)).toMatchObject({ status: "completed", trigger_count: 1 });
  });

  it("pauses, resumes and cancels a recurring schedule", async () => {
    const id = await schedule({
      send_type: "single",
      delivery_address: "7003",
      message_body: "pulse",
      scheduled_at: new Date(Date.now() + 1_000).toISOString(),
      is_recurring: true,
      recurrence_rule: "*/2 * * * * *",
    });
    await eventually(
      "a first trigger",
      async () => (((await row(id)).trigger_count as number) >= 1 ? true : undefined),
      15_000,
    );
    expect((await api("PATCH", `/v1/scheduled-messages/${id}`, { status: "paused" })).body.status).toBe("paused");
    const atPause = (await sends(id)).length;
    await new Promise((r) => setTimeout(r, 5_000));
    expect((await sends(id)).length).toBeLessThanOrEqual(atPause + 1); // a trigger already firing may land
    const paused = (await sends(id)).length;
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await sends(id)).length).toBe(paused);

    const resumedAt = Date.now();
    const resumed = await api("PATCH", `/v1/scheduled-messages/${id}`, { status: "pending" });
    expect(resumed.body.status).toBe("pending");
    const next = new Date(
      (await eventually(
        "the next trigger to be armed",
        async () => {
          const r = await row(id);
          return r.next_trigger_at && new Date(r.next_trigger_at as string).getTime() >= resumedAt
            ? r.next_trigger_at
            : undefined;
        },
        10_000,
      )) as string,
    );
    await eventually(
      "triggers after the resume",
      async () => ((await sends(id)).length >= paused + 2 ? true : undefined),
      15_000,
    );
    // Nothing fired for the occurrences inside the pause.
    const during = (await sends(id)).filter(
      (m) => m.created_at.getTime() > resumedAt - 8_000 && m.created_at.getTime() < resumedAt,
    );
    expect(during.length).toBeLessThanOrEqual(1);
    expect(next.getTime() - resumedAt).toBeLessThanOrEqual(2_500);

    expect((await api("PATCH", `/v1/scheduled-messages/${id}`, { status: "cancelled" })).body.status).toBe("cancelled");
    await new Promise((r) => setTimeout(r, 1_000));
    const atCancel = (await sends(id)).length;
    await new Promise((r) => setTimeout(r, 4_000));
    expect((await sends(id)).length).toBe(atCancel);
  });

  it("survives a restart of every process, and a trigger missed while down fires once on recovery", async () => {
    const dueWhileDown = new Date(Date.now() + 6_000);
    const once = await schedule({
      send_type: "single",
      delivery_address: "7004",
      message_body: "missed",
      scheduled_at: dueWhileDown.toISOString(),
    });
    const every = await schedule({
      send_type: "single",
      delivery_address: "7005",
      message_body: "every 2 s",
      scheduled_at: new Date(Date.now() + 1_000).toISOString(),
      is_recurring: true,
      recurrence_rule: "*/2 * * * * *",
    });
    await eventually(
      "the recurring schedule running",
      async () => (((await row(every)).trigger_count as number) >= 1 ? true : undefined),
      15_000,
    );

    // Everything stops: apps, sidecars, placement and scheduler. Triggers come due meanwhile.
    const stopAt = Date.now();
    await stack!.stop();
    await new Promise((r) => setTimeout(r, 14_000));
    const upAt = Date.now();
    await start();

    const missed = await eventually(
      "the missed one-time trigger",
      async () => {
        const s = await sends(once);
        return s[0]?.status === "sent" ? s : undefined;
      },
      60_000,
    );
    expect(missed).toHaveLength(1);
    expect(missed[0]!.created_at.getTime()).toBe(dueWhileDown.getTime());
    expect(await row(once)).toMatchObject({ status: "completed", trigger_count: 1 });

    await eventually(
      "the recurring schedule running again",
      async () => ((await sends(every)).some((m) => m.created_at.getTime() > upAt) ? true : undefined),
      60_000,
    );
    const all = await sends(every);
    // About seven occurrences fell between the stop and the restart: one catch-up fire (plus at
    // most one that fired normally while the apps were still shutting down), never a burst.
    const inside = all.filter((m) => m.created_at.getTime() > stopAt && m.created_at.getTime() < upAt);
    const occurrences = Math.floor((upAt - stopAt) / 2_000);
    console.log(
      `restart drill: ${occurrences} occurrences between stop and restart, ${inside.length} sends for them (due at +${inside.map((m) => m.created_at.getTime() - stopAt).join(" ms, +")} ms after the stop began; sent ${inside.map((m) => (m.sent_at!.getTime() > upAt ? "after the restart" : "before the stop completed")).join(", ")})`,
    );
    expect(occurrences).toBeGreaterThanOrEqual(6);
    expect(inside.length).toBeGreaterThanOrEqual(1);
    expect(inside.length).toBeLessThanOrEqual(2);
    const r = await row(every);
    expect(r.trigger_count).toBe(all.length);
    expect(new Date(r.next_trigger_at as string).getTime()).toBeGreaterThan(upAt);
    // One message per trigger time, whatever fired twice.
    expect(new Set(all.map((m) => m.created_at.getTime())).size).toBe(all.length);
    await api("PATCH", `/v1/scheduled-messages/${every}`, { status: "cancelled" });
  });
});
