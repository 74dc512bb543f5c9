/**
 * What a delivery receipt does to a message. Providers deliver callbacks late, twice and out of
 * order (a `sent` after the `delivered`, a `read` before the `delivered`), so the outcome depends
 * only on the message's current state and the receipt, never on arrival order. The rule is the
 * message lifecycle itself (MESSAGE_TRANSITIONS), not a table of its own:
 *  - a receipt applies when the lifecycle allows current status → receipt status (sent →
 *    delivered, read or failed; delivered → read); anything else leaves the message unchanged,
 *    so a replay or a superseded receipt is harmless;
 *  - a message still queued or sending is early: its send is not recorded yet, try again later;
 *  - a provider's `queued` (it accepted the request) says nothing new: always unchanged;
 *  - read implies delivered: a read that overtook its delivery receipt sets delivered_at too;
 *  - a failure carries the provider's error (or `delivery_failed`) and when it happened;
 *  - a receipt's time is never before the send it follows: SMPP done dates have minutes only
 *    (and the SMSC's clock), so a receipt 50 s after the send could otherwise predate it.
 * Pure: the status consumer applies the result.
 */

import { MESSAGE_STATUSES, MESSAGE_TRANSITIONS, canTransition, type MessageStatus } from "./lifecycle.js";
import type { DeliveryStatus } from "./vocabulary.js";

export interface MessageState {
  status: string;
  /** When the provider accepted the send, if known. */
  sentAt?: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
}

export interface Receipt {
  status: DeliveryStatus;
  errorCode: string | null;
  errorMessage: string | null;
  /** When the provider says it happened; falls back to when we received it. */
  at: Date;
}

/** What a receipt can move a message to (a provider's `queued` moves nothing). */
export type ReceiptStatus = Exclude<DeliveryStatus, "queued">;

export type Transition =
  | {
      kind: "apply";
      to: ReceiptStatus;
      deliveredAt: Date | null;
      readAt: Date | null;
      failedAt: Date | null;
      errorCode: string | null;
      errorMessage: string | null;
    }
  | { kind: "unchanged" }
  | { kind: "early" };

const UNCHANGED: Transition = { kind: "unchanged" };
const EARLY: Transition = { kind: "early" };
const NOT_SENT_YET: readonly string[] = ["queued", "sending"];

const isMessageStatus = (s: string): s is MessageStatus => (MESSAGE_STATUSES as readonly string[]).includes(s);

export function applyReceipt(current: MessageState, r: Receipt): Transition {
  if (r.status === "queued") return UNCHANGED;
  if (NOT_SENT_YET.includes(current.status)) return EARLY;
  if (!isMessageStatus(current.status) || !canTransition(MESSAGE_TRANSITIONS, current.status, r.status))
    return UNCHANGED;
  const to = r.status;
  const failed = to === "failed";
  const at = current.sentAt && r.at < current.sentAt ? current.sentAt : r.at;
  return {
    kind: "apply",
    to,
    deliveredAt: to === "delivered" ? at : to === "read" ? (current.deliveredAt ?? at) : current.deliveredAt,
    readAt: to === "read" ? at : current.readAt,
    failedAt: failed ? at : null,
    errorCode: failed ? (r.errorCode ?? "delivery_failed") : null,
    errorMessage: failed ? r.errorMessage : null,
  };
}
