import type { Database, Session } from "../client.js";
import { uuidv7 } from "../ids.js";
import type { OptOutScope } from "../../core/webhooks/opt-out.js";
import type { CampaignCounterSink } from "../campaigns/receipt-counters.js";

/**
 * The status consumer's SQL: set-based, one round trip per batch for each step. Messages are found
 * by (channel_id, provider_message_id) through idx_messages_provider_msg_id; changes are written
 * only where the row still has the status they were computed from, so two consumers racing on
 * the same message cannot regress it (the loser sees its change refused and recomputes).
 */
export interface TargetRow {
  id: string;
  createdAt: Date;
  accountId: string;
  status: string;
  deliveredAt: Date | null;
  readAt: Date | null;
  groupMessageId: string | null;
  deliveryAddress: string;
  contactId: string | null;
  providerMessageId: string | null;
}

export interface StatusChange {
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

export interface OptOutMark {
  accountId: string;
  scope: OptOutScope;
  address: string;
  contactId: string | null;
  channelId: string;
  source: "keyword" | "provider";
  reason: string | null;
}

const COLUMNS = `id, created_at, account_id, status, delivered_at, read_at, group_message_id, delivery_address, contact_id, provider_message_id`;

function toRow(r: Record<string, unknown>): TargetRow {
  const date = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(v as string | number));
  return {
    id: String(r.id),
    createdAt: date(r.created_at)!,
    accountId: String(r.account_id),
    status: String(r.status),
    deliveredAt: date(r.delivered_at),
    readAt: date(r.read_at),
    groupMessageId: (r.group_message_id as string | null) ?? null,
    deliveryAddress: String(r.delivery_address),
    contactId: (r.contact_id as string | null) ?? null,
    providerMessageId: (r.provider_message_id as string | null) ?? null,
  };
}

/*
 * created_at is timestamptz (microseconds) but a JS Date holds milliseconds: rows are matched on
 * the millisecond range their Date stands for (still pruned to one partition), and events take
 * the row's exact value from the table.
 */

/** Messenger's read watermark covers messages sent before it; our sent_at trails the provider's clock a little. */
const WATERMARK_SLACK_MS = 2_000;
/** How far back a watermark reaches: Messenger's standard messaging window is 24 h; a week is generous. */
const WATERMARK_HORIZON_MS = 7 * 86_400_000;

export class StatusStore {
  constructor(
    private readonly db: Database,
    private readonly counters: CampaignCounterSink,
  ) {}

  /** Outbound messages of the channel with these provider ids, or (SMPP) these ids of ours. */
  async find(channelId: string, providerIds: readonly string[], messageIds: readonly string[]): Promise<TargetRow[]> {
    if (providerIds.length === 0 && messageIds.length === 0) return [];
    return this.db.withSession(async (s) => {
      const out: TargetRow[] = [];
      if (providerIds.length > 0) {
        const { rows } = await s.query<Record<string, unknown>>(
          `SELECT ${COLUMNS} FROM messages WHERE channel_id = $1 AND provider_message_id = ANY($2::text[]) AND direction = 'outbound'`,
          [channelId, providerIds],
        );
        out.push(...rows.map(toRow));
      }
      if (messageIds.length > 0) {
        const { rows } = await s.query<Record<string, unknown>>(
          `SELECT ${COLUMNS} FROM messages WHERE id = ANY($2::uuid[]) AND channel_id = $1 AND direction = 'outbound'`,
          [channelId, messageIds],
        );
        out.push(...rows.map(toRow));
      }
      return out;
    });
  }

  /** Messages to `recipient` the provider says were read up to `watermark` (Messenger). */
  async findUpToWatermark(channelId: string, recipient: string, watermark: Date): Promise<TargetRow[]> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query<Record<string, unknown>>(
        `SELECT ${COLUMNS} FROM messages
          WHERE channel_id = $1 AND delivery_address = $2 AND direction = 'outbound' AND status IN ('sent', 'delivered')
            AND sent_at <= $3 AND created_at >= $4`,
        [channelId, recipient, new Date(watermark.getTime() + WATERMARK_SLACK_MS), new Date(watermark.getTime() - WATERMARK_HORIZON_MS)],
      );
      return rows.map(toRow);
    });
  }

  /**
   * Writes a batch in one transaction: the status changes (each only if the row still has its
   * `from` status), their message_events, the campaign counters and any opt-outs. Returns the ids
   * whose change was written; the others lost a race and must be recomputed.
   */
  async apply(changes: readonly StatusChange[], events: readonly ReceiptEvent[], optOuts: readonly OptOutMark[], now: Date): Promise<Set<string>> {
    if (changes.length === 0 && optOuts.length === 0) return new Set();
    return this.db.transaction(async (s) => {
      const written = changes.length > 0 ? await this.update(s, changes, now) : new Set<string>();
      const kept = events.filter((e) => written.has(e.messageId));
      if (kept.length > 0) await insertEvents(s, kept, now);
      await this.counters.apply(
        s,
        changes.filter((c) => written.has(c.id)),
      );
      if (optOuts.length > 0) await markOptOuts(s, optOuts, now);
      return written;
    });
  }

  private async update(s: Session, changes: readonly StatusChange[], now: Date): Promise<Set<string>> {
    const col = <T>(f: (c: StatusChange) => T) => changes.map(f);
    const { rows } = await s.query<{ id: string }>(
      `UPDATE messages m SET
          status = c.to_status,
          delivered_at = c.delivered_at,
          read_at = c.read_at,
          failed_at = COALESCE(c.failed_at, m.failed_at),
          error_code = CASE WHEN c.to_status = 'failed' THEN c.error_code ELSE m.error_code END,
          error_message = CASE WHEN c.to_status = 'failed' THEN c.error_message ELSE m.error_message END,
          updated_at = $10
         FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[])
              AS c(id, created_at, from_status, to_status, delivered_at, read_at, failed_at, error_code, error_message)
        WHERE m.id = c.id AND m.created_at >= c.created_at AND m.created_at < c.created_at + interval '1 millisecond' AND m.status = c.from_status
       RETURNING m.id`,
      [
        col((c) => c.id),
        col((c) => c.createdAt),
        col((c) => c.from),
        col((c) => c.to),
        col((c) => c.deliveredAt),
        col((c) => c.readAt),
        col((c) => c.failedAt),
        col((c) => c.errorCode),
        col((c) => c.errorMessage),
        now,
      ],
    );
    return new Set(rows.map((r) => String(r.id)));
  }
}

async function insertEvents(s: Session, events: readonly ReceiptEvent[], now: Date): Promise<void> {
  await s.query(
    `INSERT INTO message_events (id, created_at, message_id, message_created_at, account_id, event_type, from_status, to_status, provider_timestamp, event_data)
     SELECT e.id, $8, e.message_id, m.created_at, e.account_id, 'delivery_receipt', e.from_status, e.to_status, e.provider_ts, e.data
       FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[], $9::jsonb[])
            AS e(id, message_id, message_created_at, account_id, from_status, to_status, provider_ts, data)
       JOIN messages m ON m.id = e.message_id AND m.created_at >= e.message_created_at AND m.created_at < e.message_created_at + interval '1 millisecond'`,
    [
      events.map(() => uuidv7(now)),
      events.map((e) => e.messageId),
      events.map((e) => e.messageCreatedAt),
      events.map((e) => e.accountId),
      events.map((e) => e.from),
      events.map((e) => e.to),
      events.map((e) => e.providerTimestamp),
      now,
      events.map((e) => JSON.stringify(e.data)),
    ],
  );
}

/** Opt-outs are kept with their first reason; a second STOP or provider signal changes nothing. */
export async function markOptOuts(s: Session, all: readonly OptOutMark[], now: Date): Promise<void> {
  // One statement may not upsert the same row twice: the first mark of an address wins.
  const seen = new Set<string>();
  const marks = all.filter((m) => {
    const k = `${m.accountId}|${m.scope}|${m.address}`;
    return !seen.has(k) && seen.add(k);
  });
  await s.query(
    `INSERT INTO contact_opt_outs (account_id, channel_scope, address, contact_id, source, reason, channel_id, created_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::uuid[], $8::timestamptz[])
     ON CONFLICT (account_id, channel_scope, address) DO UPDATE SET contact_id = COALESCE(contact_opt_outs.contact_id, EXCLUDED.contact_id)`,
    [
      marks.map((m) => m.accountId),
      marks.map((m) => m.scope),
      marks.map((m) => m.address),
      marks.map((m) => m.contactId),
      marks.map((m) => m.source),
      marks.map((m) => m.reason),
      marks.map((m) => m.channelId),
      marks.map(() => now),
    ],
  );
}
