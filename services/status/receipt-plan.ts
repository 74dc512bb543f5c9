/**
 * Pure planning of one batch of receipts for one channel: which message each receipt concerns,
 * what it does to it (core/messages/receipt-rules.ts), and the rows to write. Receipts of the same message
 * in one batch are folded in arrival order on an in-memory copy, so "delivered" then "read" in
 * one batch writes one change (sent → read) and two message_events rows.
 */

import type { StatusUpdate } from "../../core/messages/vocabulary.js";
import type { ChannelType } from "../../core/messages/vocabulary.js";
import { normaliseAddress, optOutScope } from "../../core/webhooks/opt-out.js";
import { applyReceipt, type MessageState } from "../../core/messages/receipt-rules.js";
import type { OptOutMark } from "../../db/contacts/opt-outs.js";
import type { TargetRow } from "../../db/messages/receipt-store.js";
import type { ReceiptChange, ReceiptEvent } from "../../db/messages/status-writes.js";

export interface PlannedReceipt {
  update: StatusUpdate;
  /** Our message id when the source knows it (SMPP). */
  messageId?: string;
  receivedAt: Date;
}

/**
 * applied: changed a message; unchanged: a replay or superseded; early: the send is not recorded
 * yet (retry later); missing: no message matches (yet).
 */
export type ReceiptResult = "applied" | "unchanged" | "early" | "missing";

export interface BatchPlan {
  results: ReceiptResult[];
  changes: ReceiptChange[];
  events: ReceiptEvent[];
  optOuts: OptOutMark[];
  /** For each receipt, the message ids it moved (to tell losers of a write race). */
  touched: string[][];
}

export function targetsOf(
  r: PlannedReceipt,
  byId: Map<string, TargetRow>,
  byProviderId: Map<string, TargetRow[]>,
  watermarked: TargetRow[] | undefined,
): TargetRow[] {
  if (r.messageId) {
    const row = byId.get(r.messageId);
    return row ? [row] : [];
  }
  const u = r.update;
  if (u.providerMessageId === null) return watermarked ?? [];
  const rows = byProviderId.get(u.providerMessageId) ?? [];
  // One provider id for several recipients (an e-mail to many): the recipient picks the row.
  if (rows.length > 1 && u.recipient) {
    const only = rows.filter((m) => m.deliveryAddress.toLowerCase() === u.recipient!.toLowerCase());
    if (only.length > 0) return only;
  }
  return rows;
}

export function planBatch(
  channel: { id: string; channelType: ChannelType },
  receipts: readonly PlannedReceipt[],
  targets: readonly TargetRow[][],
): BatchPlan {
  const state = new Map<
    string,
    { row: TargetRow; now: MessageState; failedAt: Date | null; errorCode: string | null; errorMessage: string | null }
  >();
  const results: ReceiptResult[] = [];
  const events: ReceiptEvent[] = [];
  const optOuts: OptOutMark[] = [];
  const touched: string[][] = [];

  receipts.forEach((r, i) => {
    const rows = targets[i] ?? [];
    const moved: string[] = [];
    touched.push(moved);
    if (rows.length === 0) {
      // A read watermark that covers nothing left unread is simply old news.
      results.push(r.update.providerMessageId === null && !r.messageId ? "unchanged" : "missing");
      return;
    }
    let result: ReceiptResult = "unchanged";
    for (const row of rows) {
      const s = state.get(row.id) ?? {
        row,
        now: { status: row.status, sentAt: row.sentAt, deliveredAt: row.deliveredAt, readAt: row.readAt },
        failedAt: null,
        errorCode: null,
        errorMessage: null,
      };
      const at = r.update.occurredAt ? new Date(r.update.occurredAt) : r.receivedAt;
      const t = applyReceipt(s.now, {
        status: r.update.status,
        errorCode: r.update.errorCode,
        errorMessage: r.update.errorMessage,
        at,
      });
      if (t.kind === "early") {
        if (result === "unchanged") result = "early";
        continue;
      }
      // The address is dead whatever the message's state: a bounce after the delivery receipt too.
      if (r.update.bounce === "permanent") optOuts.push(bounceSuppression(channel, row, r.update));
      if (t.kind === "unchanged") continue;
      events.push({
        messageId: row.id,
        messageCreatedAt: row.createdAt,
        accountId: row.accountId,
        from: s.now.status,
        to: t.to,
        providerTimestamp: r.update.occurredAt ? new Date(r.update.occurredAt) : null,
        data: {
          status: r.update.status,
          providerMessageId: r.update.providerMessageId,
          errorCode: r.update.errorCode,
          ...r.update.metadata,
        },
      });
      s.now = { status: t.to, sentAt: s.now.sentAt, deliveredAt: t.deliveredAt, readAt: t.readAt };
      if (t.to === "failed")
        Object.assign(s, { failedAt: t.failedAt, errorCode: t.errorCode, errorMessage: t.errorMessage });
      state.set(row.id, s);
      moved.push(row.id);
      result = "applied";
      if (t.to === "failed" && r.update.optOut) {
        optOuts.push({
          accountId: row.accountId,
          scope: optOutScope(channel.channelType),
          address: normaliseAddress(channel.channelType, row.deliveryAddress),
          contactId: row.contactId,
          channelId: channel.id,
          source: "provider",
          reason: r.update.errorCode,
        });
      }
    }
    results.push(result);
  });

  const changes: ReceiptChange[] = [...state.values()].map((s) => ({
    id: s.row.id,
    createdAt: s.row.createdAt,
    from: s.row.status,
    to: s.now.status,
    deliveredAt: s.now.deliveredAt,
    readAt: s.now.readAt,
    failedAt: s.failedAt,
    errorCode: s.errorCode,
    errorMessage: s.errorMessage,
    groupMessageId: s.row.groupMessageId,
  }));
  return { results, changes, events, optOuts, touched };
}

/**
 * A permanent bounce suppresses the address on the channel's scope, the way an opt-out does, with
 * the bounce's code and diagnostic as its reason. A transient bounce (mailbox full) suppresses nothing.
 */
function bounceSuppression(
  channel: { id: string; channelType: ChannelType },
  row: TargetRow,
  update: StatusUpdate,
): OptOutMark {
  return {
    accountId: row.accountId,
    scope: optOutScope(channel.channelType),
    address: normaliseAddress(channel.channelType, row.deliveryAddress),
    contactId: row.contactId,
    channelId: channel.id,
    source: "bounce",
    reason: [update.errorCode, update.errorMessage].filter(Boolean).join(": ") || null,
  };
}
