/**
 * The status consumer's SQL: set-based, one round trip per batch for each step. Messages are found
 * by (channel_id, provider_message_id) through idx_messages_provider_msg_id; changes are written
 * (status-writes.ts) only where the row still has the status they were computed from, so two
 * consumers racing on the same message cannot regress it (the loser sees its change refused and
 * recomputes).
 */

import type { CallbackEvent } from "../../core/callbacks/events.js";
import { stageCallbacks } from "../callbacks/outbox.js";
import type { Database } from "../client.js";
import type { CampaignCounterSink } from "../campaigns/receipt-counters.js";
import { markOptOuts, type OptOutMark } from "../contacts/opt-outs.js";
import { applyReceiptChanges, type ReceiptChange, type ReceiptEvent } from "./status-writes.js";

export interface TargetRow {
  id: string;
  createdAt: Date;
  accountId: string;
  status: string;
  sentAt: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
  groupMessageId: string | null;
  deliveryAddress: string;
  contactId: string | null;
  providerMessageId: string | null;
}

const COLUMNS = `id, created_at, account_id, status, sent_at, delivered_at, read_at, group_message_id, delivery_address, contact_id, provider_message_id`;

function toRow(r: Record<string, unknown>): TargetRow {
  const date = (v: unknown) =>
    v === null || v === undefined ? null : v instanceof Date ? v : new Date(v as string | number);
  return {
    id: String(r.id),
    createdAt: date(r.created_at)!,
    accountId: String(r.account_id),
    status: String(r.status),
    sentAt: date(r.sent_at),
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
        [
          channelId,
          recipient,
          new Date(watermark.getTime() + WATERMARK_SLACK_MS),
          new Date(watermark.getTime() - WATERMARK_HORIZON_MS),
        ],
      );
      return rows.map(toRow);
    });
  }

  /**
   * Writes a batch in one transaction: the status changes (each only if the row still has its
   * `from` status) with their message_events (status-writes.ts), the campaign counters and any
   * opt-outs. Returns the ids whose change was written; the others lost a race and must be
   * recomputed. `callbacksOf` turns the written ids into callback events, staged in the same
   * transaction (db/callbacks/outbox.ts).
   */
  async apply(
    changes: readonly ReceiptChange[],
    events: readonly ReceiptEvent[],
    optOuts: readonly OptOutMark[],
    now: Date,
    callbacksOf?: (written: ReadonlySet<string>) => readonly CallbackEvent[],
  ): Promise<Set<string>> {
    if (changes.length === 0 && optOuts.length === 0) return new Set();
    return this.db.transaction(async (s) => {
      const written = await applyReceiptChanges(s, changes, events, now);
      await this.counters.apply(
        s,
        changes.filter((c) => written.has(c.id)),
      );
      if (optOuts.length > 0) await markOptOuts(s, optOuts, now);
      if (callbacksOf && written.size > 0) await stageCallbacks(s, callbacksOf(written));
      return written;
    });
  }
}
