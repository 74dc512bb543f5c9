/**
 * The fault drill: the workload of drill-workload.ts runs while each fault of scripts/drill/faults.ts
 * is injected in turn; each fault's figures (recovery, lost, duplicates against the crash window,
 * counters against rows, rows stuck in sending, re-placement after a replica kill) come from the
 * simulator's records and the database, through the arithmetic of scripts/drill/measure.ts.
 * `npm run drill` runs it all on 20K messages; faults.test.ts runs its core on fewer.
 */

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { FaultSpec } from "../../../scripts/drill/faults.js";
import {
  accountDuplicates,
  accountMissing,
  countersMatchRows,
  lostMessages,
  recoverySeconds,
  replacement,
  type DeliveryRecord,
  type FaultResult,
  type InboundResult,
  type MissingAccount,
  type FaultWindow,
  type SentMessage,
} from "../../../scripts/drill/measure.js";
import {
  PROVIDERS,
  type ProviderBehaviour,
  type ProviderKey,
  type SimulatorConfigInput,
} from "../../../services/simulator/config.js";
import { withPg } from "../support/seed.js";
import { eventually } from "../support/stack.js";
import {
  startWorkload,
  SWEEP_EVERY_MS,
  SWEEP_STUCK_SENDING_MS,
  type Workload,
  type WorkloadSize,
} from "./drill-workload.js";

export interface DrillOptions {
  basePort: number;
  size: WorkloadSize;
  faults: FaultSpec[];
  /** How long the provider storm lasts. */
  stormMs?: number;
  /** How long every accepted message has to settle once the faults are over. */
  settleMs: number;
  log(line: string): void;
}

export interface DrillReport {
  results: FaultResult[];
  /** The whole run: every accepted message, every duplicate, the campaigns' final counters. */
  total: FaultResult;
  inbound: InboundResult;
  notes: string[];
  messages: number;
  seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RABBIT_BOUND_MS = 90_000;
/** A row in sending longer than this outlived the sweeper that should have requeued it. */
const STUCK_AFTER_MS = SWEEP_STUCK_SENDING_MS + SWEEP_EVERY_MS;
/**
 * The sweep runs on one SweeperActor's reminder: when the killed replica hosted it, the sweep
 * waits until the actor is placed on the survivor (the dead app fails three 3 s health probes,
 * placement disseminates, the reminder fires there), so a replica kill's rows get that long more.
 */
const SWEEPER_REPLACEMENT_MS = 30_000;

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: "ignore", timeout: RABBIT_BOUND_MS });
}

async function portOpen(port: number): Promise<boolean> {
  const { connect } = await import("node:net");
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** Restarts the whole RabbitMQ node the way scripts/infra.sh starts it, and waits for AMQP and management. */
async function restartRabbitNode(): Promise<void> {
  run("rabbitmqctl", ["stop"]);
  execFileSync("rabbitmq-server", ["-detached"], {
    stdio: "ignore",
    timeout: RABBIT_BOUND_MS,
    env: { ...process.env, ERL_EPMD_ADDRESS: "127.0.0.1" },
  });
  await eventually(
    "RabbitMQ to listen again",
    async () => ((await portOpen(5672)) && (await portOpen(15672)) ? true : undefined),
    RABBIT_BOUND_MS,
  );
}

export async function runDrill(opts: DrillOptions): Promise<DrillReport> {
  const started = Date.now();
  const w = await startWorkload(opts.basePort, opts.size);
  const { H } = w;
  const { h } = H;
  const stack = h.t.stack;
  const db = h.db;
  const notes: string[] = [];
  const results: FaultResult[] = [];
  /** Each fault's stretch of the run: duplicates are charged to the window that requeued them. */
  const windows: FaultWindow[] = [];
  /** Extra creations of the scheduled message, per fault (a double fire, not a provider resend). */
  const doubleFires = new Map<string, number>();
  /** A scheduled message that never fired: lost, though it has no row to count. */
  let unfired = 0;
  try {
    await eventually(
      "both campaigns sending",
      async () => {
        const times = await timelines(w);
        const smpp = times.get("smpp") ?? [];
        const tg = times.get("telegram") ?? [];
        return smpp.length > 50 && tg.length > 50 ? true : undefined;
      },
      90_000,
    );
    // A baseline before the first fault.
    await sleep(6_000);

    for (const fault of opts.faults) {
      opts.log(`fault: ${fault.name}`);
      const last = windows.at(-1);
      if (last) last.to = Date.now();
      windows.push({ fault: fault.name, from: Date.now(), to: Infinity });
      const atRisk = await unsettledIds(db);
      let faultAt = Date.now();
      let baselineEnd = faultAt;
      let measureFrom = faultAt;
      let victim: string | undefined;
      let scheduleCheck: Promise<number> | undefined;

      let failure: string | undefined;
      try {
        switch (fault.key) {
          case "dispatcher-kill":
          case "daprd-kill": {
            victim = await busiestReplica(w);
            // Slow providers for a moment so the killed replica has sends in flight (the crash window).
            baselineEnd = Date.now();
            h.sim.configure(everyProvider(w.calm, { latencyMs: 1_500 }));
            await sleep(2_000);
            faultAt = Date.now();
            measureFrom = faultAt;
            if (fault.key === "dispatcher-kill") await stack.stopApp(victim, "SIGKILL");
            else await stack.stopSidecar(victim, "SIGKILL");
            h.sim.configure(w.calm);
            await sleep(8_000);
            if (fault.key === "dispatcher-kill") await stack.startApp(victim);
            else {
              // Its start-up at info level: if it does not come back, the log says where it stopped.
              stack.opts.daprLogLevel = "info";
              await stack.startSidecar(victim);
            }
            break;
          }
          case "placement-kill":
            await stack.stopControlPlane("placement", "SIGKILL");
            await sleep(5_000);
            await stack.startControlPlane("placement");
            break;
          case "scheduler-kill": {
            // A scheduled message due while the scheduler is down: it must still be created once.
            const due = new Date(Math.ceil((Date.now() + 4_000) / 1_000) * 1_000).toISOString();
            const s = await H.api("POST", "/v1/scheduled-messages", {
              account_id: H.accountId,
              channel_id: w.channelIds.get("telegram"),
              send_type: "single",
              delivery_address: "990001",
              message_body: "drill: due during the scheduler outage",
              scheduled_at: due,
            });
            if (s.status !== 201) throw new Error(`scheduled message: ${s.status} ${JSON.stringify(s.body)}`);
            await sleep(500);
            await stack.stopControlPlane("scheduler", "SIGKILL");
            await sleep(10_000);
            await stack.startControlPlane("scheduler");
            scheduleCheck = createdFor(db, s.body.id as string);
            break;
          }
          case "rabbitmq-app":
            run("rabbitmqctl", ["stop_app"]);
            try {
              await sleep(5_000);
            } finally {
              run("rabbitmqctl", ["start_app"]);
            }
            break;
          case "rabbitmq-service":
            await restartRabbitNode();
            break;
          case "postgres-restart":
            run("pg_ctlcluster", ["15", "main", "restart", "-m", "fast"]);
            break;
          case "smsc-bind-drop":
            await h.sim.restartSmsc(3_000);
            break;
          case "provider-storm": {
            h.sim.configure(everyProvider(w.calm, { errorRate: 0.2, throttleRate: 0.1, timeoutRate: 0.05 }));
            await sleep(opts.stormMs ?? 60_000);
            h.sim.configure(w.calm);
            // Recovery counts from the storm's end: during it, the rate is what the storm leaves.
            measureFrom = Date.now();
            break;
          }
        }
      } catch (err) {
        // A fault the platform did not come back from is a result, not the end of the drill.
        failure = err instanceof Error ? err.message : String(err);
        opts.log(`  ${fault.name}: ${failure}`);
        if (victim) opts.log(lastLines(h.t.logFile, `[${victim}:daprd]`, 25));
        await healAfter(w, victim).catch((e: unknown) => opts.log(`  could not heal: ${String(e)}`));
      }

      // Recovery, then long enough for the sweeper to requeue what a crash left in sending.
      const recoveredBy = Math.max(Date.now(), measureFrom) + 60_000;
      let recoveryS: number | undefined;
      for (;;) {
        const now = Date.now();
        recoveryS = recoverySeconds(flatten(await timelines(w)), measureFrom, now, Math.min(baselineEnd, measureFrom));
        if (recoveryS !== undefined || now > recoveredBy) break;
        await sleep(500);
      }
      // A killed replica's rows stay in sending until the sweeper finds them past the threshold;
      // after other faults a live turn still holds its rows, so one sweep is enough.
      const stuckAfterMs = fault.replicaKill ? STUCK_AFTER_MS + SWEEPER_REPLACEMENT_MS : STUCK_AFTER_MS;
      const settleUntil = Date.now() + (fault.replicaKill ? stuckAfterMs : SWEEP_EVERY_MS) + 2_000;
      while (Date.now() < settleUntil) await sleep(500);
      // What this fault put back in the queue goes out again before the next fault, so the next
      // fault's figures start from a calm queue (duplicates are charged by requeue time anyway).
      await eventually(
        "requeued messages sent again",
        async () => ((await requeuedPending(db, faultAt)) === 0 ? true : undefined),
        60_000,
      ).catch(() => opts.log("  some requeued messages were still waiting after 60 s"));

      let lostExtra = 0;
      if (scheduleCheck) {
        const created = await scheduleCheck;
        notes.push(`scheduler SIGKILL: the scheduled message due during the outage was created ${created} time(s)`);
        if (created === 0) {
          lostExtra++;
          unfired++;
        } else doubleFires.set(fault.name, created - 1);
      }
      const result: FaultResult = {
        fault: fault.name,
        recoveryS,
        lost: lostExtra,
        // Filled in at the end, when every requeued message has been sent again.
        duplicates: 0,
        crashWindow: 0,
        countersOk: await countersConsistent(db, w.campaignIds),
        ...(failure ? { failure } : {}),
        stuckSending: await stuckSending(db, stuckAfterMs),
        ...(fault.replicaKill ? { replacement: replacement(await timelines(w), faultAt) } : {}),
      };
      // Lost is known only at the end: what was at risk at the fault, or accepted during it.
      const acceptedDuring = w.accepted.filter((a) => a.at >= faultAt && a.at < Date.now()).map((a) => a.id);
      atRiskOf.set(result, [...atRisk, ...acceptedDuring]);
      results.push(result);
      opts.log(`  recovery ${recoveryS ?? "—"} s${victim ? ` (killed ${victim})` : ""}`);
    }

    await w.singlesDone;
    w.stopInbound();
    opts.log("faults done: waiting for every accepted message to settle");
    const settled = await eventually(
      "every accepted message settled",
      async () => {
        const status = await statusOf(db);
        return lostMessages([...status.keys()], status).length === 0 ? status : undefined;
      },
      opts.settleMs,
    ).catch(() => undefined);
    const status = settled ?? (await statusOf(db));
    for (const r of results) r.lost += lostMessages(atRiskOf.get(r) ?? [], status).length;

    const singles = w.accepted.map((a) => a.id);
    const allIds = [...new Set([...status.keys(), ...singles])];
    const last = windows.at(-1);
    if (last) last.to = Date.now();
    const account = accountDuplicates(await recipientsOfAll(w), await sentMessages(w), windows);
    for (const r of results) {
      r.duplicates = (account.byFault.get(r.fault) ?? 0) + (doubleFires.get(r.fault) ?? 0);
      r.crashWindow = account.crashWindows.get(r.fault) ?? 0;
    }
    const fired = [...doubleFires.values()].reduce((a, b) => a + b, 0);
    const total: FaultResult = {
      fault: "whole run",
      recoveryS: undefined,
      lost: lostMessages(allIds, status).length + unfired,
      duplicates: account.total + fired,
      crashWindow: await requeuedCount(db),
      unjustified: account.unjustified + fired,
      countersOk: await countersFinal(w),
      stuckSending: await stuckSending(db, STUCK_AFTER_MS),
    };
    const inbound = await inboundSide(w);
    notes.push(
      `${allIds.length} outbound messages (${singles.length} singles accepted, ${w.refused()} refused by the API during faults)`,
      silentPublishes(h.t.logFile),
      droppedHosts(h.t.logFile),
    );
    return {
      results,
      total,
      inbound,
      notes,
      messages: allIds.length,
      seconds: Math.round((Date.now() - started) / 1_000),
    };
  } finally {
    w.stopInbound();
    await w.singlesDone.catch(() => undefined);
    await H.stop();
  }
}

/** The calm configuration with `patch` applied to every provider (a listed provider ignores the defaults). */
function everyProvider(calm: SimulatorConfigInput, patch: Partial<ProviderBehaviour>): SimulatorConfigInput {
  const providers = calm.providers ?? {};
  return {
    ...calm,
    providers: Object.fromEntries(PROVIDERS.map((p) => [p, { ...calm.defaults, ...providers[p], ...patch }])),
  };
}

/**
 * The RabbitMQ component (components-contrib v1.18.3) logs "did not receive confirmation of
 * publishing" when the broker never confirmed a publish, and then reports it as published: each
 * such line is an event the sidecar answered as taken that may not be on the broker.
 */
function silentPublishes(file: string): string {
  const n = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.includes("did not receive confirmation of publishing")).length;
  return `sidecar publishes reported as done without the broker's confirm: ${n}`;
}

/**
 * Placement logs "Closing non-responding stream" when a host did not lock its table for a new
 * placement in time (8 s): it drops the host, which halts every actor it held. Each line is a
 * host that stopped sending for a while; a drain longer than that deadline made them common.
 */
function droppedHosts(file: string): string {
  const n = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.startsWith("[placement]") && l.includes("Closing non-responding stream")).length;
  return `hosts dropped by placement for a late dissemination answer: ${n}`;
}

function lastLines(file: string, prefix: string, n: number): string {
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.startsWith(prefix));
  return lines
    .slice(-n)
    .map((l) => l.slice(0, 400))
    .join("\n");
}

/** After a failed injection: every process of the stack running again, the simulator calm. */
async function healAfter(w: Workload, victim: string | undefined): Promise<void> {
  const { h } = w.H;
  h.sim.configure(w.calm);
  if (!victim) return;
  const a = h.t.stack.apps.get(victim)!;
  const appGone = !a.app || a.app.child.exitCode !== null || a.app.child.signalCode !== null;
  if (appGone) {
    await h.t.stack.stopApp(victim);
    await h.t.stack.startApp(victim);
  }
  await h.t.stack.stopSidecar(victim);
  await h.t.stack.startSidecar(victim);
}

const atRiskOf = new WeakMap<FaultResult, string[]>();

function flatten(m: Map<string, number[]>): number[] {
  return [...m.values()].flat();
}

/** Acceptance times per provider; each provider has one channel in the drill. */
async function timelines(w: Workload): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const p of PROVIDERS) {
    const res = await fetch(`${w.H.h.sim.httpUrl}/_sim/timeline/${p}`);
    out.set(p, ((await res.json()) as { acceptedAt: number[] }).acceptedAt);
  }
  return out;
}

async function recipientsOfAll(w: Workload): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  for (const p of PROVIDERS) {
    const res = await fetch(`${w.H.h.sim.httpUrl}/_sim/recipients/${p}`);
    out.set(p, ((await res.json()) as { recipients: Record<string, number> }).recipients);
  }
  return out;
}

/** The dispatcher replica hosting the most channel actors (its sidecar's metadata says how many). */
async function busiestReplica(w: Workload): Promise<string> {
  const stack = w.H.h.t.stack;
  let best = { id: w.H.h.t.dispatcherApp, n: -1 };
  for (const [id, a] of stack.apps) {
    if (a.spec.role !== "dispatcher") continue;
    const res = await fetch(`http://127.0.0.1:${a.ports.daprHttp}/v1.0/metadata`, {
      headers: { "dapr-api-token": stack.tokens.daprApiToken },
    });
    const body = (await res.json()) as {
      actorRuntime?: { activeActors?: { type: string; count: number }[] };
      actors?: { type: string; count: number }[];
    };
    const actors = body.actorRuntime?.activeActors ?? body.actors ?? [];
    const n = actors.find((x) => x.type === "ChannelActor")?.count ?? 0;
    if (n > best.n) best = { id, n };
  }
  return best.id;
}

const query = <T extends object>(db: string, sql: string, params: unknown[] = []) =>
  withPg(db, async (c) => (await c.query<T>(sql, params)).rows);

/** Providers whose sends come back with a delivery receipt in the simulator. */
const RECEIPT_PROVIDERS: ProviderKey[] = ["whatsapp", "messenger", "twilio", "africastalking", "vonage", "smpp"];

/**
 * Inbound messages stored against those the simulator sent, once its redeliveries are done (the
 * longest schedule is about a minute), and receipts not applied per provider that sends them.
 */
async function inboundSide(w: Workload): Promise<InboundResult> {
  const db = w.H.h.db;
  const stored = async () =>
    (await query<{ n: number }>(db, `SELECT count(*)::int AS n FROM messages WHERE direction = 'inbound'`))[0]!.n;
  const deliveries = async (kind?: "inbound" | "receipt") => {
    const res = await fetch(`${w.H.h.sim.httpUrl}/_sim/deliveries${kind ? `?kind=${kind}` : ""}`);
    return ((await res.json()) as { deliveries: DeliveryRecord[] }).deliveries;
  };
  // Until every inbound message is stored and no webhook or deliver_sm is still being redelivered.
  await eventually(
    "inbound stored and redeliveries done",
    async () =>
      (await stored()) >= w.inboundSent() && !(await deliveries()).some((d) => d.outcome === "retrying")
        ? true
        : undefined,
    90_000,
  ).catch(() => undefined);
  /** The inbound messages the simulator sent (its ledger), and why those not stored are missing. */
  const inboundNotStored = async () => {
    const sent = await deliveries("inbound");
    const storedIds = new Set(
      (
        await query<{ id: string }>(
          db,
          `SELECT provider_message_id AS id FROM messages WHERE direction = 'inbound' AND provider_message_id IS NOT NULL`,
        )
      ).map((r) => r.id),
    );
    const missing = accountMissing(
      [...new Set(sent.map((d) => d.id))].filter((id) => !storedIds.has(id)),
      sent,
    );
    return { sent, missing };
  };
  /** Per provider that sends receipts: its outbound rows still `sent`, and why their receipts are missing. */
  const receiptsNotApplied = async () => {
    const receiptDeliveries = await deliveries("receipt");
    const out: Record<string, { rows: number; missing: MissingAccount }> = {};
    for (const p of RECEIPT_PROVIDERS) {
      const ids = [...w.channelIds].filter(([label]) => providerOf(label) === p).map(([, id]) => id);
      const rows = await query<{ id: string | null }>(
        db,
        `SELECT provider_message_id AS id FROM messages WHERE direction = 'outbound' AND status = 'sent' AND channel_id = ANY($1::uuid[])`,
        [ids],
      );
      out[p] = {
        rows: rows.length,
        missing: accountMissing(
          rows.map((r) => r.id ?? "(no provider id)"),
          receiptDeliveries.filter((d) => d.provider === p),
        ),
      };
    }
    return out;
  };
  // An inbound message stored late, or a receipt accepted but not applied yet, may be held by a
  // consumer the RabbitMQ component no longer reads (after a broker restart it re-subscribes every
  // topic at once and can leave one behind, holding up to its prefetch of 64 deliveries); the
  // broker gives them back when that consumer's delivery times out (consumer_timeout, 120 s,
  // checked about once a minute). Wait that long before counting either as lost. The core of
  // 2026-11-27 21:39 counted 18 inbound messages lost after 90 s that were still in such a hold.
  const acceptedNotArrived = async () =>
    (await inboundNotStored()).missing.accepted.length +
    Object.values(await receiptsNotApplied()).reduce((n, r) => n + r.missing.accepted.length, 0);
  const heldAfterWait = (await inboundNotStored()).missing.accepted.length;
  const heldWaitStarted = Date.now();
  await eventually(
    "accepted inbound stored and receipts applied",
    async () => ((await acceptedNotArrived()) === 0 ? true : undefined),
    BROKER_CONSUMER_TIMEOUT_MS + 75_000,
  ).catch(() => undefined);
  if (heldAfterWait > 0)
    console.log(
      `[drill] ${heldAfterWait} accepted inbound messages were not stored after the redeliveries; waited ${((Date.now() - heldWaitStarted) / 1000).toFixed(1)} s for the broker to reclaim them`,
    );
  const inbound = await inboundNotStored();
  const receipts = await receiptsNotApplied();
  const missingInbound = inbound.missing;
  const missingReceipts = Object.fromEntries(Object.entries(receipts).map(([p, r]) => [p, r.missing]));
  const unreceipted = Object.fromEntries(Object.entries(receipts).map(([p, r]) => [p, r.rows]));
  const res = await fetch(`${w.H.h.sim.httpUrl}/_sim/stats`);
  const counters = Object.values(
    ((await res.json()) as { providers: Record<string, { webhooksRetried?: number; webhooksGivenUp?: number }> })
      .providers,
  );
  // The ids behind the figures, so a run's log says which ones to look for.
  logMissing("inbound", missingInbound);
  for (const [p, m] of Object.entries(missingReceipts)) logMissing(`${p} receipts`, m);
  return {
    // By the simulator's ledger: every inbound message it sent, whatever the drill's loop saw.
    sent: new Set(inbound.sent.map((d) => d.id)).size,
    stored: await stored(),
    retried: counters.reduce((a, c) => a + (c.webhooksRetried ?? 0), 0),
    givenUp: counters.reduce((a, c) => a + (c.webhooksGivenUp ?? 0), 0),
    unreceipted,
    missingInbound,
    missingReceipts,
  };
}

function logMissing(what: string, m: MissingAccount): void {
  for (const [bucket, ids] of Object.entries(m))
    if (ids.length > 0) console.log(`[drill] ${what} missing, ${bucket}: ${ids.slice(0, 20).join(" ")}`);
}

/** The broker's consumer_timeout (scripts/infra.sh, docs/operations.md "Broker settings"). */
const BROKER_CONSUMER_TIMEOUT_MS = 120_000;

/** The simulator's provider key for a workload channel (one channel per provider). */
function providerOf(label: string): ProviderKey {
  if (label.startsWith("sms/")) return label.slice("sms/".length) as ProviderKey;
  return (label === "email" ? "smtp" : label) as ProviderKey;
}

/** Every outbound message's provider and addressee, with the times it was requeued. */
async function sentMessages(w: Workload): Promise<SentMessage[]> {
  const providerByChannel = new Map([...w.channelIds].map(([label, id]) => [id, providerOf(label)]));
  const rows = await query<{ channel_id: string; delivery_address: string; requeued_at: string[] | null }>(
    w.H.h.db,
    `SELECT m.channel_id, m.delivery_address,
            array_agg((extract(epoch FROM e.created_at) * 1000)::bigint::text) FILTER (WHERE e.id IS NOT NULL) AS requeued_at
       FROM messages m LEFT JOIN message_events e ON e.message_id = m.id AND e.event_type = 'requeued'
      WHERE m.direction = 'outbound' GROUP BY m.id, m.channel_id, m.delivery_address`,
  );
  return rows.map((r) => ({
    provider: providerByChannel.get(r.channel_id) ?? "unknown",
    address: r.delivery_address,
    requeuedAt: (r.requeued_at ?? []).map(Number),
  }));
}

async function requeuedCount(db: string): Promise<number> {
  const [r] = await query<{ n: number }>(
    db,
    `SELECT count(*)::int AS n FROM message_events WHERE event_type = 'requeued'`,
  );
  return r!.n;
}

/** Messages requeued since `since` (epoch ms) that still wait to be sent again. */
async function requeuedPending(db: string, since: number): Promise<number> {
  const [r] = await query<{ n: number }>(
    db,
    `SELECT count(DISTINCT m.id)::int AS n FROM message_events e JOIN messages m ON m.id = e.message_id
      WHERE e.event_type = 'requeued' AND e.created_at >= to_timestamp($1 / 1000.0) AND m.status IN ('queued', 'sending')`,
    [since],
  );
  return r!.n;
}

async function unsettledIds(db: string): Promise<string[]> {
  const rows = await query<{ id: string }>(
    db,
    `SELECT id FROM messages WHERE direction = 'outbound' AND status IN ('queued', 'sending')`,
  );
  return rows.map((r) => r.id);
}

async function statusOf(db: string): Promise<Map<string, string>> {
  const rows = await query<{ id: string; status: string }>(
    db,
    `SELECT id, status FROM messages WHERE direction = 'outbound'`,
  );
  return new Map(rows.map((r) => [r.id, r.status]));
}

async function stuckSending(db: string, olderThanMs: number): Promise<number> {
  const [r] = await query<{ n: number }>(
    db,
    `SELECT count(*)::int AS n FROM messages WHERE status = 'sending' AND updated_at < now() - make_interval(secs => $1)`,
    [olderThanMs / 1_000],
  );
  return r!.n;
}

/** Messages created for a scheduled message once it stops changing (a late double fire shows up). */
async function createdFor(db: string, scheduledId: string): Promise<number> {
  const count = async () =>
    (
      await query<{ n: number }>(db, `SELECT count(*)::int AS n FROM messages WHERE scheduled_message_id = $1`, [
        scheduledId,
      ])
    )[0]!.n;
  await eventually("the scheduled message to fire", async () => ((await count()) > 0 ? true : undefined), 60_000).catch(
    () => undefined,
  );
  await sleep(5_000);
  return count();
}

/**
 * Mid-run check, in one statement so both sides are one snapshot: each campaign's counters plus
 * the deltas not yet folded equal its rows counted by the trigger's rules.
 */
async function countersConsistent(db: string, ids: string[]): Promise<boolean> {
  const rows = await query<Record<string, number> & { id: string }>(
    db,
    `SELECT g.id,
            g.queued_count + COALESCE(d.queued, 0) AS queued, g.sent_count + COALESCE(d.sent, 0) AS sent,
            g.delivered_count + COALESCE(d.delivered, 0) AS delivered, g.read_count + COALESCE(d.read, 0) AS read,
            g.failed_count + COALESCE(d.failed, 0) AS failed, g.skipped_count + COALESCE(d.skipped, 0) AS skipped,
            g.cancelled_count + COALESCE(d.cancelled, 0) AS cancelled,
            m.q AS r_queued, m.s AS r_sending, m.se AS r_sent, m.de AS r_delivered, m.re AS r_read, m.fa AS r_failed,
            m.sk AS r_skipped, m.ca AS r_cancelled, m.fas AS failed_after_sent
       FROM group_messages g
       LEFT JOIN (SELECT group_message_id, sum(queued)::int AS queued, sum(sent)::int AS sent, sum(delivered)::int AS delivered,
                         sum(read)::int AS read, sum(failed)::int AS failed, sum(skipped)::int AS skipped, sum(cancelled)::int AS cancelled
                    FROM group_message_counter_deltas GROUP BY group_message_id) d ON d.group_message_id = g.id
       LEFT JOIN (SELECT group_message_id,
                         count(*) FILTER (WHERE status = 'queued')::int AS q, count(*) FILTER (WHERE status = 'sending')::int AS s,
                         count(*) FILTER (WHERE status = 'sent')::int AS se, count(*) FILTER (WHERE status = 'delivered')::int AS de,
                         count(*) FILTER (WHERE status = 'read')::int AS re, count(*) FILTER (WHERE status = 'failed')::int AS fa,
                         count(*) FILTER (WHERE status = 'skipped')::int AS sk, count(*) FILTER (WHERE status = 'cancelled')::int AS ca,
                         count(*) FILTER (WHERE status = 'failed' AND sent_at IS NOT NULL)::int AS fas
                    FROM messages WHERE group_message_id IS NOT NULL GROUP BY group_message_id) m ON m.group_message_id = g.id
      WHERE g.id = ANY($1::uuid[])`,
    [ids],
  );
  return rows.length === ids.length && rows.every(tallyMatches);
}

function tallyMatches(r: Record<string, number>): boolean {
  return countersMatchRows({
    counters: {
      queued: r.queued!,
      sent: r.sent!,
      delivered: r.delivered!,
      read: r.read!,
      failed: r.failed!,
      skipped: r.skipped!,
      cancelled: r.cancelled!,
    },
    rows: {
      queued: r.r_queued ?? 0,
      sending: r.r_sending ?? 0,
      sent: r.r_sent ?? 0,
      delivered: r.r_delivered ?? 0,
      read: r.r_read ?? 0,
      failed: r.r_failed ?? 0,
      skipped: r.r_skipped ?? 0,
      cancelled: r.r_cancelled ?? 0,
    },
    failedAfterSent: r.failed_after_sent ?? 0,
  });
}

/** At the end: the counters the API shows (folded) equal the rows, once the campaigns are finished. */
async function countersFinal(w: Workload): Promise<boolean> {
  for (const id of w.campaignIds) {
    const ok = await eventually(
      "campaign counters to equal rows",
      async () => {
        const g = (await w.H.api("GET", `/v1/group-messages/${id}`)).body;
        const n = (k: string) => Number(g[k] ?? 0);
        const [rows] = await query<Record<string, number>>(
          w.H.h.db,
          `SELECT count(*) FILTER (WHERE status = 'queued')::int AS queued, count(*) FILTER (WHERE status = 'sending')::int AS sending,
                  count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
                  count(*) FILTER (WHERE status = 'read')::int AS read, count(*) FILTER (WHERE status = 'failed')::int AS failed,
                  count(*) FILTER (WHERE status = 'skipped')::int AS skipped, count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
                  count(*) FILTER (WHERE status = 'failed' AND sent_at IS NOT NULL)::int AS failed_after_sent
             FROM messages WHERE group_message_id = $1`,
          [id],
        );
        const { failed_after_sent, ...byStatus } = rows!;
        return countersMatchRows({
          counters: {
            queued: n("queued_count"),
            sent: n("sent_count"),
            delivered: n("delivered_count"),
            read: n("read_count"),
            failed: n("failed_count"),
            skipped: n("skipped_count"),
            cancelled: n("cancelled_count"),
          },
          rows: byStatus,
          failedAfterSent: failed_after_sent ?? 0,
        })
          ? true
          : undefined;
      },
      30_000,
    ).catch(() => false);
    if (!ok) return false;
  }
  return true;
}
