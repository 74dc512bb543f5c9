/**
 * The fault drill's arithmetic, apart from any stack so it is unit-tested: when sends flow again
 * after a fault, when a channel whose actor lived on a killed replica sends again, what counts as
 * lost and as a provider duplicate, and the one table the drill prints.
 */

/** A message in one of these has reached its end: nothing more will be sent for it. */
export const SETTLED_STATUSES = ["sent", "delivered", "read", "failed", "cancelled", "skipped"] as const;

/** Recovery is judged against the send rate over this long before the fault. */
export const BASELINE_MS = 5_000;
/** ... and reached at the first send of the first window this long whose rate is ... */
export const RECOVERY_WINDOW_MS = 2_000;
/** ... at least this share of the pre-fault rate. */
export const RECOVERY_SHARE = 0.7;

const countIn = (sorted: number[], from: number, to: number) => lowerBound(sorted, to) - lowerBound(sorted, from);

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sends a second over the baseline before `at` (0 when nothing flowed). */
export function rateBefore(times: number[], at: number, baselineMs = BASELINE_MS): number {
  const sorted = [...times].sort((a, b) => a - b);
  return countIn(sorted, at - baselineMs, at) / (baselineMs / 1_000);
}

/**
 * Seconds from the fault to the first send of the first RECOVERY_WINDOW_MS window (starting at
 * or after the fault, ending by `until`) whose rate is RECOVERY_SHARE of the pre-fault rate.
 * Undefined when nothing flowed before the fault (no rate to recover) or it never came back. The
 * baseline ends at the fault unless the drill slowed the provider just before it (`baselineEnd`).
 */
export function recoverySeconds(
  times: number[],
  faultAt: number,
  until: number,
  baselineEnd = faultAt,
): number | undefined {
  const sorted = [...times].sort((a, b) => a - b);
  const before = countIn(sorted, baselineEnd - BASELINE_MS, baselineEnd) / BASELINE_MS;
  if (before === 0) return undefined;
  const needed = Math.max(1, Math.ceil(RECOVERY_SHARE * before * RECOVERY_WINDOW_MS));
  // Each candidate window starts at a send: the earliest qualifying window starts at one.
  for (let i = lowerBound(sorted, faultAt); i < sorted.length; i++) {
    const start = sorted[i]!;
    if (start + RECOVERY_WINDOW_MS > until) break;
    if (countIn(sorted, start, start + RECOVERY_WINDOW_MS) >= needed) return (start - faultAt) / 1_000;
  }
  return undefined;
}

/**
 * Seconds until every channel that stalled at the fault sends again: a channel stalls when it was
 * flowing (at least `minRate` sends a second before the fault) and its next send comes later than
 * it should (over a second, or three of its own intervals). Those are the channels whose actor
 * lived on the killed replica and had to be placed on the survivor. `stalled` 0 means no flowing
 * actor was caught there; `seconds` is undefined when a stalled channel never sent again.
 */
export function replacement(
  perChannel: Map<string, number[]>,
  faultAt: number,
  minRate = 2,
): { stalled: number; seconds: number | undefined } {
  let stalled = 0;
  let worst: number | undefined = 0;
  for (const times of perChannel.values()) {
    const sorted = [...times].sort((a, b) => a - b);
    const rate = rateBefore(sorted, faultAt);
    if (rate < minRate) continue;
    const next = sorted[lowerBound(sorted, faultAt)];
    const gap = next === undefined ? Infinity : next - faultAt;
    if (gap <= Math.max(1_000, 3_000 / rate)) continue;
    stalled++;
    worst = gap === Infinity || worst === undefined ? undefined : Math.max(worst, gap);
  }
  return { stalled, seconds: worst === undefined ? undefined : worst / 1_000 };
}

/** Extra accepted sends: every addressee received `n - 1` more than the one it was owed. */
export function duplicateSends(recipients: Record<string, number>): number {
  let extra = 0;
  for (const n of Object.values(recipients)) if (n > 1) extra += n - 1;
  return extra;
}

/** Duplicates that happened between two snapshots of the simulator's per-addressee counts. */
export function duplicatesBetween(before: Record<string, number>, after: Record<string, number>): number {
  let extra = 0;
  for (const [to, n] of Object.entries(after)) extra += Math.max(0, n - Math.max(1, before[to] ?? 0));
  return extra;
}

/** One outbound message as the drill saw it: where it went and when it was requeued (epoch ms). */
export interface SentMessage {
  provider: string;
  address: string;
  requeuedAt: number[];
}

/** A fault's stretch of the run: from its injection to the next fault's (the last one runs on). */
export interface FaultWindow {
  fault: string;
  from: number;
  to: number;
}

export interface DuplicateAccount {
  /** Extra accepted sends over the whole run (each addressee is owed one). */
  total: number;
  /** Extra sends with no requeued event to answer for them: the send was repeated outside any crash window. */
  unjustified: number;
  /** Justified duplicates per fault, charged to the fault whose window held the requeue. */
  byFault: Map<string, number>;
  /** Requeued events per fault window (the crash window). */
  crashWindows: Map<string, number>;
}

/** The simulator records addressees as the provider saw them: a phone number may lose its `+`. */
export const addressKey = (address: string) => address.replace(/^\+/, "").toLowerCase();

/**
 * Provider duplicates accounted per message. Every workload message has its own addressee, so the
 * simulator's per-addressee counts are per-message deliveries. A message delivered n times is
 * justified only when it has at least n − 1 `requeued` events (each one a send whose outcome was
 * unknown, sent again); its duplicates are charged to the faults whose windows hold its earliest
 * n − 1 requeues. Deliveries to an addressee no message row names are all unjustified beyond one.
 */
export function accountDuplicates(
  recipients: ReadonlyMap<string, Record<string, number>>,
  messages: readonly SentMessage[],
  windows: readonly FaultWindow[],
): DuplicateAccount {
  const windowOf = (t: number) => windows.find((w) => t >= w.from && t < w.to)?.fault;
  const byFault = new Map(windows.map((w) => [w.fault, 0]));
  const crashWindows = new Map(windows.map((w) => [w.fault, 0]));
  const owned = new Map<string, SentMessage>();
  for (const m of messages) {
    owned.set(`${m.provider}\u0000${addressKey(m.address)}`, m);
    for (const t of m.requeuedAt) {
      const f = windowOf(t);
      if (f !== undefined) crashWindows.set(f, crashWindows.get(f)! + 1);
    }
  }
  let total = 0;
  let unjustified = 0;
  for (const [provider, counts] of recipients) {
    for (const [to, n] of Object.entries(counts)) {
      const extra = n - 1;
      if (extra <= 0) continue;
      total += extra;
      const m = owned.get(`${provider}\u0000${addressKey(to)}`);
      const requeues = [...(m?.requeuedAt ?? [])].sort((a, b) => a - b);
      unjustified += Math.max(0, extra - requeues.length);
      for (const t of requeues.slice(0, extra)) {
        const f = windowOf(t);
        if (f !== undefined) byFault.set(f, byFault.get(f)! + 1);
      }
    }
  }
  return { total, unjustified, byFault, crashWindows };
}

/** Accepted messages not settled: still queued or sending, or accepted by the API with no row at all. */
export function lostMessages(accepted: readonly string[], statusById: Map<string, string>): string[] {
  const settled = new Set<string>(SETTLED_STATUSES);
  return accepted.filter((id) => {
    const status = statusById.get(id);
    return status === undefined || !settled.has(status);
  });
}

/** A campaign's counters as the API shows them, its rows counted by status, and the failed rows a provider had accepted. */
export interface CampaignTally {
  counters: {
    queued: number;
    sent: number;
    delivered: number;
    read: number;
    failed: number;
    skipped: number;
    cancelled: number;
  };
  rows: Record<string, number>;
  failedAfterSent: number;
}

/**
 * Counters equal to rows: `sent` counts every row a provider accepted (sent, delivered, read, and
 * failed by a later receipt), `delivered` the delivered and read ones, `queued` those still queued
 * or sending.
 */
export function countersMatchRows({ counters: c, rows: r, failedAfterSent }: CampaignTally): boolean {
  const n = (s: string) => r[s] ?? 0;
  return (
    c.queued === n("queued") + n("sending") &&
    c.sent === n("sent") + n("delivered") + n("read") + failedAfterSent &&
    c.delivered === n("delivered") + n("read") &&
    c.read === n("read") &&
    c.failed === n("failed") &&
    c.skipped === n("skipped") &&
    c.cancelled === n("cancelled")
  );
}

/** One fault's figures, as a row of the drill's table. */
export interface FaultResult {
  fault: string;
  recoveryS: number | undefined;
  lost: number;
  duplicates: number;
  crashWindow: number;
  /** Duplicates no requeued event of their message answers for (the whole-run row); must be 0. */
  unjustified?: number;
  countersOk: boolean;
  stuckSending: number;
  /** The fault could not be injected or healed as planned (e.g. a process that did not come back). */
  failure?: string;
  /** Only for replica kills: seconds until stalled channels sent again, and how many stalled. */
  replacement?: { stalled: number; seconds: number | undefined };
}

/** What a result breaks of the drill's promises; empty when it keeps them all. */
export function violations(r: FaultResult): string[] {
  const out: string[] = [];
  if (r.failure) out.push(r.failure);
  if (r.lost > 0) out.push(`${r.lost} lost`);
  if (r.duplicates > r.crashWindow) out.push(`${r.duplicates} duplicates > crash window ${r.crashWindow}`);
  if ((r.unjustified ?? 0) > 0) out.push(`${r.unjustified} duplicates with no requeue of their message`);
  if (!r.countersOk) out.push("campaign counters differ from rows");
  if (r.stuckSending > 0) out.push(`${r.stuckSending} stuck in sending`);
  if (r.replacement && r.replacement.stalled > 0 && r.replacement.seconds === undefined)
    out.push("a stalled channel never sent again");
  return out;
}

/** One webhook or deliver_sm as the simulator's ledger recorded it (GET /_sim/deliveries). */
export interface DeliveryRecord {
  provider: string;
  kind: "inbound" | "receipt";
  id: string;
  attempts: { answer: "accepted" | "refused" | "no_answer" }[];
  outcome: "accepted" | "retrying" | "given_up";
}

/**
 * Ids that did not arrive (inbound not stored, receipt not applied), each put where its
 * deliveries say it belongs: `accepted` — the receiver answered one of them 2xx or status 0, so
 * the loss is ours; `givenUp` — every attempt was refused or unanswered and the provider stopped
 * (Twilio's status callbacks, or a redelivery schedule too short for the fault); `retrying` —
 * still being redelivered when the run ended; `untracked` — the simulator never sent one.
 */
export interface MissingAccount {
  accepted: string[];
  givenUp: string[];
  retrying: string[];
  untracked: string[];
}

export function accountMissing(missing: readonly string[], deliveries: readonly DeliveryRecord[]): MissingAccount {
  const byId = new Map<string, DeliveryRecord[]>();
  for (const d of deliveries) {
    const list = byId.get(d.id);
    if (list) list.push(d);
    else byId.set(d.id, [d]);
  }
  const out: MissingAccount = { accepted: [], givenUp: [], retrying: [], untracked: [] };
  for (const id of missing) {
    const ds = byId.get(id) ?? [];
    if (ds.length === 0) out.untracked.push(id);
    else if (ds.some((d) => d.attempts.some((a) => a.answer === "accepted"))) out.accepted.push(id);
    else if (ds.some((d) => d.outcome === "retrying")) out.retrying.push(id);
    else out.givenUp.push(id);
  }
  return out;
}

/** The inbound side of the run: webhooks the simulator sent, their redeliveries, and receipts. */
export interface InboundResult {
  /** Inbound messages the simulator sent (its /_sim/inbound accepted them). */
  sent: number;
  /** Inbound rows stored at the end. */
  stored: number;
  /** Webhook and deliver_sm redeliveries, and those given up after the last retry. */
  retried: number;
  givenUp: number;
  /** Per provider: outbound rows a provider accepted whose delivery receipt never applied (still `sent`). */
  unreceipted: Record<string, number>;
  /** By id, from the simulator's ledger: why each inbound message is not stored. */
  missingInbound?: MissingAccount;
  /** The same per receipt-sending provider, for its rows still `sent`. */
  missingReceipts?: Record<string, MissingAccount>;
}

/**
 * Providers that do not redeliver a status callback the receiver refused (Twilio, by default):
 * a receipt refused during an outage is gone, so its row may stay `sent`; reported, not a breach.
 */
export const RECEIPTS_NOT_REDELIVERED = ["twilio"];

/** What the inbound side breaks: an inbound message not stored once, a redelivered receipt not applied. */
export function inboundViolations(r: InboundResult): string[] {
  const out: string[] = [];
  if (r.stored !== r.sent) out.push(`inbound: ${r.sent} sent, ${r.stored} stored`);
  const lostInbound = r.missingInbound?.accepted.length ?? 0;
  if (lostInbound > 0) out.push(`inbound: ${lostInbound} accepted by the receiver and not stored`);
  for (const [provider, n] of Object.entries(r.unreceipted)) {
    if (n > 0 && !RECEIPTS_NOT_REDELIVERED.includes(provider)) out.push(`${provider}: ${n} receipts not applied`);
    // Even where the provider never redelivers, a receipt the receiver accepted must apply.
    const lost = r.missingReceipts?.[provider]?.accepted.length ?? 0;
    if (lost > 0) out.push(`${provider}: ${lost} receipts accepted by the receiver and not applied`);
  }
  return out;
}

/** A missing account in a few words: "2 accepted, 1 given up" (empty when nothing is missing). */
export function formatMissing(m: MissingAccount | undefined): string {
  if (!m) return "";
  return (
    [
      [m.accepted.length, "accepted"],
      [m.givenUp.length, "given up"],
      [m.retrying.length, "retrying"],
      [m.untracked.length, "never sent"],
    ] as const
  )
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}`)
    .join(", ");
}

/** The inbound line of the drill's report, as a Markdown table. */
export function formatInbound(r: InboundResult): string {
  const pending = Object.entries(r.unreceipted)
    .map(([p, n]) => {
      const why = formatMissing(r.missingReceipts?.[p]);
      return `${p} ${n}${n > 0 && why ? ` (${why})` : ""}`;
    })
    .join(", ");
  const inboundWhy = formatMissing(r.missingInbound);
  return [
    "| inbound sent | stored | missing, by its deliveries | redelivered | given up | receipts not applied (by their deliveries) |",
    "|--------------|--------|----------------------------|-------------|----------|--------------------------------------------|",
    `| ${r.sent} | ${r.stored} | ${inboundWhy || "none"} | ${r.retried} | ${r.givenUp} | ${pending} |`,
  ].join("\n");
}

const secs = (s: number | undefined) => (s === undefined ? "—" : s.toFixed(1));

/** The drill's one table, as Markdown (it goes to README as printed). */
export function formatTable(results: FaultResult[]): string {
  const head = [
    "fault",
    "recovery s",
    "lost",
    "duplicates / crash window",
    "unjustified",
    "counters ok",
    "stuck sending",
    "re-placement s",
  ];
  const rows = results.map((r) => [
    r.fault,
    secs(r.recoveryS),
    String(r.lost),
    `${r.duplicates} / ${r.crashWindow}`,
    r.unjustified === undefined ? "" : String(r.unjustified),
    r.countersOk ? "yes" : "NO",
    String(r.stuckSending),
    r.replacement === undefined
      ? ""
      : r.replacement.stalled === 0
        ? "no stalled channel"
        : `${secs(r.replacement.seconds)} (${r.replacement.stalled} ch)`,
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i]!)).join(" | ")} |`;
  return [line(head), `|${width.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
