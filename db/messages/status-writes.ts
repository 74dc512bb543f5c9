/**
 * The one place a message's status changes. Every statement that writes messages.status lives
 * here, each with the message_events rows of its change, written by one bulk insert: the
 * dispatcher's claim and outcomes, the sweeper's requeue, delivery receipts, a cancel through the
 * API and a campaign's cancel. Statements are set-based (one round trip per batch) and guarded
 * by the status they were computed from, so a late or concurrent writer never regresses a
 * message. The caller owns the transaction: every function runs on the session it is given.
 * Messages are created elsewhere (API, fan-out, schedules, inbound); their first status is not
 * a change.
 */

import type { ClaimedMessage } from "../../core/dispatch/claimed-message.js";
import type { MessageOutcome } from "../../core/dispatch/outcome.js";
import { conflict } from "../../core/errors.js";
import { MESSAGE_TRANSITIONS, canTransition, type MessageStatus } from "../../core/messages/lifecycle.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import { normaliseAddress, optOutScope } from "../../core/webhooks/opt-out.js";
import type { Session } from "../client.js";
import { markOptOuts } from "../contacts/opt-outs.js";
import { uuidv7, uuidv7Time } from "../ids.js";
import { scopedAccountIds, type Scope } from "../query/list.js";
import { unnestRows, type UnnestColumn } from "../query/unnest.js";

/** One message_events row. `type` is status_changed, requeued, delivery_receipt, or the status an API caller asked for. */
export interface NewMessageEvent {
  messageId: string;
  messageCreatedAt: Date | string;
  accountId: string;
  type: string;
  from: string | null;
  to: string | null;
  providerTimestamp?: Date | null;
  data: Record<string, unknown>;
}

/**
 * The bulk message_events insert every change uses. message_created_at comes from the event; with
 * `createdAtFrom: "message"` it is read from the message row matched on the millisecond the
 * event's Date stands for (created_at is timestamptz, in microseconds; a JS Date holds
 * milliseconds), and events of messages that no longer exist are dropped.
 */
async function insertEvents(
  s: Session,
  events: readonly NewMessageEvent[],
  now: Date,
  createdAtFrom: "event" | "message" = "event",
): Promise<void> {
  if (events.length === 0) return;
  const e = unnestRows(events, EVENT_COLUMNS(now), "e", 2);
  const fromMessage = createdAtFrom === "message";
  await s.query(
    `INSERT INTO message_events (id, created_at, message_id, message_created_at, account_id, event_type, from_status, to_status, provider_timestamp, event_data)
     SELECT e.id, $1, e.message_id, ${fromMessage ? "m.created_at" : "e.message_created_at"}, e.account_id, e.event_type, e.from_status, e.to_status,
            e.provider_timestamp, e.event_data
       FROM ${e.from}${fromMessage ? MESSAGE_OF_EVENT : ""}`,
    [now, ...e.params],
  );
}

const MESSAGE_OF_EVENT = `
       JOIN messages m ON m.id = e.message_id AND m.created_at >= e.message_created_at AND m.created_at < e.message_created_at + interval '1 millisecond'`;

const EVENT_COLUMNS = (now: Date): UnnestColumn<NewMessageEvent>[] => [
  { name: "id", type: "uuid", value: () => uuidv7(now) },
  { name: "message_id", type: "uuid", value: (e) => e.messageId },
  { name: "message_created_at", type: "timestamptz", value: (e) => e.messageCreatedAt },
  { name: "account_id", type: "uuid", value: (e) => e.accountId },
  { name: "event_type", type: "text", value: (e) => e.type },
  { name: "from_status", type: "text", value: (e) => e.from },
  { name: "to_status", type: "text", value: (e) => e.to },
  { name: "provider_timestamp", type: "timestamptz", value: (e) => e.providerTimestamp ?? null },
  { name: "event_data", type: "jsonb", value: (e) => JSON.stringify(e.data) },
];

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));

/** Error recorded on a message whose recipient opted out (STOP keyword, provider signal or API). */
export const OPTED_OUT = "opted_out";
const OPTED_OUT_MESSAGE =
  "the recipient opted out of messages on this channel type (for example by replying STOP); not sent";
/**
 * Error recorded on a message to an address a permanent bounce suppressed. Not opted_out: nobody
 * asked to stop, the mailbox is dead, and the remedy differs (correct the address rather than
 * respect a choice), so reports and campaign counters keep the two apart.
 */
export const SUPPRESSED_BOUNCE = "suppressed_bounce";
const SUPPRESSED_BOUNCE_MESSAGE = "the address bounced permanently before; not sent";
/** Error recorded on a message to an address the account suppressed by hand (a suppression with reason manual). */
export const SUPPRESSED = "suppressed";
const SUPPRESSED_MESSAGE = "the account suppressed this address; not sent";

/**
 * Moves up to `limit` due messages of the channel from queued to sending, highest priority first,
 * in one UPDATE … RETURNING: the only way a message leaves `queued`, so a redelivered event or a
 * second turn can never send the same message twice. Messages to an address that opted out or
 * whose mail bounced permanently or that the account suppressed (contact_opt_outs, for the
 * channel's account and scope or account-wide; the scope's own row decides when both exist) are
 * failed with `opted_out`, `suppressed_bounce` or `suppressed` in the same statement and never
 * handed to the sender; `optedOut` counts them all. On a WhatsApp channel each claimed message also carries when its
 * recipient last wrote (conversations.last_inbound_at), read now rather than when the message was
 * created: the sender decides on the customer-care window at send time.
 */
export async function claimQueued(
  s: Session,
  channelId: string,
  limit: number,
  now: Date,
): Promise<{ sending: ClaimedMessage[]; optedOut: number }> {
  // The suppression look-up is one primary-key probe per scope per picked row, joined into the claim. The
  // channel's own row decides whether it may send at all: the actor's snapshot of it can be a
  // channel.updated event behind, and a pause must hold from the moment its PATCH commits. The
  // check is one primary-key read per claim (an InitPlan), not per row. `blocked` is MATERIALIZED:
  // inlined, a planner that guesses one picked row (a partition not yet analyzed, as after a cold
  // start or a campaign's first page) re-ran it for every picked row, batch² opt-out probes —
  // 1.2 s for a claim of 500 on PostgreSQL, the first seconds of every run; computed once it is
  // one probe per picked row whatever the estimate (claim-plan.test.ts).
  const { rows } = await s.query<Record<string, unknown>>(
    `WITH ch AS (
         SELECT account_id, CASE channel_type WHEN 'smpp' THEN 'sms' ELSE channel_type END AS scope FROM channels WHERE id = $1),
       picked AS (
         SELECT id, created_at, account_id, delivery_address FROM messages
          WHERE channel_id = $1 AND status = 'queued' AND direction = 'outbound'
            AND (next_attempt_at IS NULL OR next_attempt_at <= $2)
            AND (SELECT c.is_enabled AND c.status NOT IN ('paused', 'disabled') FROM channels c WHERE c.id = $1)
          ORDER BY priority DESC, created_at
          LIMIT $3
          FOR UPDATE SKIP LOCKED),
       blocked AS MATERIALIZED (
         SELECT p.id,
                CASE o.source WHEN 'bounce' THEN '${SUPPRESSED_BOUNCE}' WHEN 'manual' THEN '${SUPPRESSED}' ELSE '${OPTED_OUT}' END AS error_code,
                CASE o.source
                     WHEN 'bounce' THEN '${SUPPRESSED_BOUNCE_MESSAGE}' || COALESCE(' (' || o.reason || ')', '')
                     WHEN 'manual' THEN '${SUPPRESSED_MESSAGE}'
                     ELSE '${OPTED_OUT_MESSAGE}' END AS error_message
           FROM picked p CROSS JOIN ch
           CROSS JOIN LATERAL (
             SELECT o.source, o.reason FROM contact_opt_outs o
              WHERE o.account_id = p.account_id AND o.channel_scope IN (ch.scope, 'all')
                AND o.address = CASE
                      WHEN ch.scope IN ('sms', 'whatsapp') AND left(p.delivery_address, 1) <> '+' THEN '+' || p.delivery_address
                      WHEN ch.scope = 'email' THEN lower(p.delivery_address)
                      ELSE p.delivery_address END
              ORDER BY o.channel_scope = 'all'
              LIMIT 1) o)
       UPDATE messages m
          SET status = CASE WHEN blocked.id IS NULL THEN 'sending' ELSE 'failed' END,
              attempts = CASE WHEN blocked.id IS NULL THEN m.attempts + 1 ELSE m.attempts END,
              failed_at = CASE WHEN blocked.id IS NULL THEN m.failed_at ELSE $2 END,
              error_code = CASE WHEN blocked.id IS NULL THEN m.error_code ELSE blocked.error_code END,
              error_message = CASE WHEN blocked.id IS NULL THEN m.error_message ELSE blocked.error_message END,
              updated_at = $2
         FROM picked LEFT JOIN blocked ON blocked.id = picked.id
        WHERE m.id = picked.id AND m.created_at = picked.created_at AND m.status = 'queued'
       RETURNING m.id, m.created_at, m.account_id, m.delivery_address, m.message_body, m.metadata,
                 m.attempts, m.priority, m.group_message_id, m.trace_id, m.status, m.error_code, m.error_message,
                 m.channel_options, m.reply_to_provider_message_id,
                 (SELECT max(c.last_inbound_at) FROM conversations c, ch
                   WHERE ch.scope = 'whatsapp' AND c.channel_id = $1
                     AND c.participant_from = CASE WHEN left(m.delivery_address, 1) <> '+' THEN '+' || m.delivery_address
                                                   ELSE m.delivery_address END) AS last_inbound_at`,
    [channelId, now, limit],
  );
  const claimed = rows.map((r) => ({
    id: String(r.id),
    createdAt: iso(r.created_at),
    accountId: String(r.account_id),
    deliveryAddress: String(r.delivery_address),
    messageBody: String(r.message_body),
    metadata: (r.metadata ?? {}) as Record<string, unknown>,
    attempts: Number(r.attempts),
    priority: Number(r.priority),
    groupMessageId: (r.group_message_id as string | null) ?? null,
    traceId: (r.trace_id as string | null) ?? null,
    options: r.channel_options ?? {},
    lastInboundAt: r.last_inbound_at ? new Date(r.last_inbound_at as string | Date).toISOString() : null,
    replyTo: (r.reply_to_provider_message_id as string | null) ?? null,
    failed: r.status === "failed",
    errorCode: r.error_code as string | null,
    errorMessage: r.error_message as string | null,
  }));
  const failed = claimed.filter((c) => c.failed);
  await insertEvents(
    s,
    failed.map((c) => ({
      messageId: c.id,
      messageCreatedAt: c.createdAt,
      accountId: c.accountId,
      type: "status_changed",
      from: "queued",
      to: "failed",
      data: { channel_id: channelId, error_code: c.errorCode, error_message: c.errorMessage },
    })),
    now,
  );
  return {
    sending: claimed.filter((c) => !c.failed).map(({ failed: _f, errorCode: _c, errorMessage: _m, ...row }) => row),
    optedOut: failed.length,
  };
}

/** The `queued → sending` events of a claim, written once the turn knows it will send them. */
export async function recordClaims(
  s: Session,
  claimed: readonly ClaimedMessage[],
  now: Date,
  channelId: string,
): Promise<void> {
  await insertEvents(
    s,
    claimed.map((c) => ({
      messageId: c.id,
      messageCreatedAt: c.createdAt,
      accountId: c.accountId,
      type: "status_changed",
      from: "queued",
      to: "sending",
      data: { channel_id: channelId, attempt: c.attempts },
    })),
    now,
  );
}

export type AccountOutcome = MessageOutcome & { accountId: string };

const OUTCOME_COLUMNS: UnnestColumn<AccountOutcome>[] = [
  { name: "id", type: "uuid", value: (o) => o.id },
  { name: "created_at", type: "timestamptz", value: (o) => o.createdAt },
  { name: "status", type: "text", value: (o) => o.status },
  { name: "provider_message_id", type: "text", value: (o) => (o.status === "sent" ? o.providerMessageId : null) },
  { name: "error_code", type: "text", value: (o) => (o.status === "sent" ? null : o.errorCode) },
  { name: "error_message", type: "text", value: (o) => (o.status === "sent" ? null : o.errorMessage) },
  { name: "next_attempt_at", type: "timestamptz", value: (o) => (o.status === "queued" ? o.nextAttemptAt : null) },
];

/**
 * The outcome of a send batch: one UPDATE for the messages (only rows still `sending`, so a late
 * writer cannot overwrite a newer state) and one insert of the events of those it moved.
 * Returns how many it moved.
 */
export async function applyOutcomes(
  s: Session,
  outcomes: readonly AccountOutcome[],
  now: Date,
  channelId: string,
): Promise<number> {
  return (await writeOutcomes(s, outcomes, now, channelId)).size;
}

/** applyOutcomes, returning the ids of the messages it moved. */
export async function writeOutcomes(
  s: Session,
  outcomes: readonly AccountOutcome[],
  now: Date,
  channelId: string,
): Promise<ReadonlySet<string>> {
  if (outcomes.length === 0) return new Set();
  const u = unnestRows(outcomes, OUTCOME_COLUMNS, "u");
  const at = `$${u.params.length + 1}`;
  const updated = await s.query<{ id: string }>(
    `UPDATE messages m SET
        status = u.status,
        provider_message_id = COALESCE(u.provider_message_id, m.provider_message_id),
        sent_at = CASE WHEN u.status = 'sent' THEN ${at} ELSE m.sent_at END,
        failed_at = CASE WHEN u.status = 'failed' THEN ${at} ELSE m.failed_at END,
        error_code = u.error_code,
        error_message = u.error_message,
        next_attempt_at = u.next_attempt_at,
        updated_at = ${at}
       FROM ${u.from}
      WHERE m.id = u.id AND m.created_at = u.created_at AND m.status = 'sending'
     RETURNING m.id`,
    [...u.params, now],
  );
  const moved = new Set(updated.rows.map((r) => String(r.id)));
  await suppressOptedOut(
    s,
    outcomes.filter((o) => o.status === "failed" && o.optOut === true && moved.has(o.id)),
    now,
    channelId,
  );
  await insertEvents(
    s,
    outcomes
      .filter((o) => moved.has(o.id))
      .map((o) => ({
        messageId: o.id,
        messageCreatedAt: o.createdAt,
        accountId: o.accountId,
        // A retry of a send the provider may have accepted can duplicate, as the crash window can:
        // it is counted the same way.
        type: o.status === "queued" && o.outcomeUnknown ? "requeued" : "status_changed",
        from: "sending",
        to: o.status,
        data:
          o.status === "sent"
            ? { channel_id: channelId, provider_message_id: o.providerMessageId }
            : {
                channel_id: channelId,
                error_code: o.errorCode,
                error_message: o.errorMessage,
                ...(o.status === "queued" ? { retry_at: o.nextAttemptAt.toISOString(), throttled: o.throttled } : {}),
                ...(o.status === "queued" && o.outcomeUnknown ? { reason: "outcome_unknown" } : {}),
              },
      })),
    now,
  );
  return moved;
}

/**
 * A send the provider refused because the recipient unsubscribed (Twilio 21610, Vonage "barred",
 * Africa's Talking's blacklisted) suppresses the address on the channel's scope, as a STOP would,
 * in the same transaction as the failure it explains.
 */
async function suppressOptedOut(
  s: Session,
  outcomes: readonly AccountOutcome[],
  now: Date,
  channelId: string,
): Promise<void> {
  if (outcomes.length === 0) return;
  const { rows } = await s.query<{
    id: string;
    delivery_address: string;
    contact_id: string | null;
    channel_type: string;
  }>(
    `SELECT m.id, m.delivery_address, m.contact_id, c.channel_type
       FROM messages m JOIN channels c ON c.id = m.channel_id
      WHERE m.id = ANY($1::uuid[]) AND m.created_at = ANY($2::timestamptz[])`,
    [outcomes.map((o) => o.id), outcomes.map((o) => o.createdAt)],
  );
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  await markOptOuts(
    s,
    rows.map((r) => {
      const channelType = r.channel_type as ChannelType;
      const o = byId.get(String(r.id))!;
      return {
        accountId: o.accountId,
        scope: optOutScope(channelType),
        address: normaliseAddress(channelType, r.delivery_address),
        contactId: r.contact_id,
        channelId,
        source: "provider" as const,
        reason: o.status === "sent" ? null : o.errorCode,
      };
    }),
    now,
  );
}

/**
 * Messages stuck in `sending` longer than `staleMs`: their dispatcher died between claiming and
 * recording. The provider may or may not have accepted them, so putting them back in the queue
 * can duplicate; they are returned so the count is reported, never hidden, and their `requeued`
 * events keep the possible duplicates countable after the resend succeeds.
 */
export async function requeueStuckSending(
  s: Session,
  now: Date,
  staleMs: number,
): Promise<{ id: string; channelId: string }[]> {
  const { rows } = await s.query<{ id: string; channel_id: string; created_at: Date | string; account_id: string }>(
    `UPDATE messages SET status = 'queued', next_attempt_at = NULL, updated_at = $1,
                error_code = 'dispatcher_crash_window', error_message = 'requeued after its dispatcher stopped mid-send'
          WHERE status = 'sending' AND updated_at < $2
         RETURNING id, channel_id, created_at, account_id`,
    [now, new Date(now.getTime() - staleMs)],
  );
  await insertEvents(
    s,
    rows.map((r) => ({
      messageId: String(r.id),
      messageCreatedAt: r.created_at,
      accountId: String(r.account_id),
      type: "requeued",
      from: "sending",
      to: "queued",
      data: { reason: "dispatcher_crash_window" },
    })),
    now,
  );
  return rows.map((r) => ({ id: String(r.id), channelId: String(r.channel_id) }));
}

/** A message moved by one or more receipts of a batch, from the status it was read with. */
export interface ReceiptChange {
  id: string;
  createdAt: Date;
  from: string;
  to: string;
  deliveredAt: Date | null;
  readAt: Date | null;
  failedAt: Date | null;
  errorCode: string | null;
  errorMessage: string | null;
  groupMessageId: string | null;
}

/** One message_events row per receipt that changed the message (a batch may move it twice: sent → delivered → read). */
export interface ReceiptEvent {
  messageId: string;
  messageCreatedAt: Date;
  accountId: string;
  from: string;
  to: string;
  providerTimestamp: Date | null;
  data: Record<string, unknown>;
}

const RECEIPT_COLUMNS: UnnestColumn<ReceiptChange>[] = [
  { name: "id", type: "uuid", value: (c) => c.id },
  { name: "created_at", type: "timestamptz", value: (c) => c.createdAt },
  { name: "from_status", type: "text", value: (c) => c.from },
  { name: "to_status", type: "text", value: (c) => c.to },
  { name: "delivered_at", type: "timestamptz", value: (c) => c.deliveredAt },
  { name: "read_at", type: "timestamptz", value: (c) => c.readAt },
  { name: "failed_at", type: "timestamptz", value: (c) => c.failedAt },
  { name: "error_code", type: "text", value: (c) => c.errorCode },
  { name: "error_message", type: "text", value: (c) => c.errorMessage },
];

/**
 * Writes receipt changes, each only where the row still has its `from` status (two consumers
 * racing on one message cannot regress it), and the events of those written. Rows are matched
 * on the millisecond their Date stands for (still pruned to one partition). Returns the ids
 * written; the others lost a race and must be recomputed.
 */
export async function applyReceiptChanges(
  s: Session,
  changes: readonly ReceiptChange[],
  events: readonly ReceiptEvent[],
  now: Date,
): Promise<Set<string>> {
  if (changes.length === 0) return new Set();
  const c = unnestRows(changes, RECEIPT_COLUMNS, "c");
  const { rows } = await s.query<{ id: string }>(
    `UPDATE messages m SET
        status = c.to_status,
        delivered_at = c.delivered_at,
        read_at = c.read_at,
        failed_at = COALESCE(c.failed_at, m.failed_at),
        error_code = CASE WHEN c.to_status = 'failed' THEN c.error_code ELSE m.error_code END,
        error_message = CASE WHEN c.to_status = 'failed' THEN c.error_message ELSE m.error_message END,
        updated_at = $${c.params.length + 1}
       FROM ${c.from}
      WHERE m.id = c.id AND m.created_at >= c.created_at AND m.created_at < c.created_at + interval '1 millisecond' AND m.status = c.from_status
     RETURNING m.id`,
    [...c.params, now],
  );
  const written = new Set(rows.map((r) => String(r.id)));
  await insertEvents(
    s,
    events.filter((e) => written.has(e.messageId)).map((e) => ({ ...e, type: "delivery_receipt" })),
    now,
    "message",
  );
  return written;
}

export interface RequestedStatusChange {
  to: MessageStatus;
  eventData?: Record<string, unknown>;
}

/**
 * A status change asked for by an API caller, if MESSAGE_TRANSITIONS allows it (a 409 otherwise),
 * with its event. The row is locked first so two concurrent changes cannot both pass the check.
 * Ids minted here are UUIDv7 whose timestamp is created_at, so the look-up reads one partition;
 * other ids fall back to the plain look-up. Returns the updated row as PostgreSQL gives it, or
 * undefined when the message is not in scope.
 */
export async function changeRequestedStatus(
  s: Session,
  scope: Scope,
  id: string,
  change: RequestedStatusChange,
  now: Date,
): Promise<{ row: Record<string, unknown>; from: MessageStatus } | undefined> {
  const current = await lockForChange(s, scopedAccountIds(scope), id);
  if (!current) return undefined;
  const from = current.status as MessageStatus;
  if (!canTransition(MESSAGE_TRANSITIONS, from, change.to)) {
    throw conflict("invalid_transition", `message status cannot change from ${from} to ${change.to}`);
  }
  const { rows } = await s.query<Record<string, unknown>>(
    `UPDATE messages SET status = $3, updated_at = $4, next_attempt_at = CASE WHEN $5::boolean THEN next_attempt_at END
      WHERE id = $1 AND created_at >= $2 AND created_at < $2::timestamptz + interval '1 millisecond'
     RETURNING *`,
    [current.id, current.created_at, change.to, now, change.to === "queued"],
  );
  await insertEvents(
    s,
    [
      {
        messageId: current.id,
        messageCreatedAt: current.created_at,
        accountId: current.account_id,
        type: change.to,
        from,
        to: change.to,
        data: change.eventData ?? {},
      },
    ],
    now,
  );
  return { row: rows[0]!, from };
}

async function lockForChange(s: Session, accountIds: readonly string[], id: string) {
  type Locked = { id: string; created_at: Date; account_id: string; status: string };
  const at = uuidv7Time(id);
  if (at) {
    const { rows } = await s.query<Locked>(
      `SELECT id, created_at, account_id, status FROM messages
        WHERE id = $1 AND account_id = ANY($2::uuid[]) AND created_at >= $3 AND created_at < $4
        LIMIT 1 FOR UPDATE`,
      [id, accountIds, at, new Date(at.getTime() + 1)],
    );
    if (rows[0]) return rows[0];
  }
  const { rows } = await s.query<Locked>(
    `SELECT id, created_at, account_id, status FROM messages WHERE id = $1 AND account_id = ANY($2::uuid[]) LIMIT 1 FOR UPDATE`,
    [id, accountIds],
  );
  return rows[0];
}

/**
 * A campaign's cancel: every queued message of the campaign becomes cancelled. Returns how many.
 * Unlike every other change here it records no message_events rows: the cancel is recorded on
 * the group message (its status and counters), as it always has been.
 */
export async function cancelQueuedCampaignMessages(s: Session, groupMessageId: string): Promise<number> {
  const { rows } = await s.query<{ n: number }>(
    `WITH c AS (UPDATE messages SET status = 'cancelled', updated_at = now(), next_attempt_at = NULL,
                       error_code = 'campaign_cancelled', error_message = 'the group message was cancelled'
                 WHERE group_message_id = $1 AND status = 'queued' RETURNING 1)
     SELECT count(*)::int AS n FROM c`,
    [groupMessageId],
  );
  return Number(rows[0]?.n ?? 0);
}
