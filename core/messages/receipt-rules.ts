import type { DeliveryStatus } from "./vocabulary.js";

/**
 * What a delivery receipt does to a message (seed 000 §7). Providers deliver callbacks late,
 * twice and out of order (a `sent` after the `delivered`, a `read` before the `delivered`), so
 * the outcome depends only on the message's current state and the receipt, never on arrival
 * order:
 *
 *   current \ receipt   sent      delivered   read                 failed
 *   sent                –         delivered   read (+delivered_at) failed
 *   delivered           –         –           read                 –
 *   read                –         –           –                    –
 *   failed              –         –           –                    –
 *   queued, sending     early: the send is not recorded yet; try again later
 *   cancelled, skipped  –         (never sent: nothing a provider says applies)
 *
 * `–` means unchanged: a replay is harmless. `queued` receipts (the provider accepted the request)
 * say nothing new and are always unchanged. Pure: the status consumer applies the result.
 */
export interface MessageState {
  status: string;
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

export type Transition =
  | { kind: "apply"; to: "delivered" | "read" | "failed"; deliveredAt: Date | null; readAt: Date | null; failedAt: Date | null; errorCode: string | null; errorMessage: string | null }
  | { kind: "unchanged" }
  | { kind: "early" };

const UNCHANGED: Transition = { kind: "unchanged" };

export function applyReceipt(current: MessageState, r: Receipt): Transition {
  if (r.status === "queued") return UNCHANGED;
  if (current.status === "queued" || current.status === "sending") return { kind: "early" };
  const base = { deliveredAt: current.deliveredAt, readAt: current.readAt, failedAt: null, errorCode: null, errorMessage: null };
  switch (r.status) {
    case "sent":
      return UNCHANGED;
    case "delivered":
      return current.status === "sent" ? { kind: "apply", to: "delivered", ...base, deliveredAt: r.at } : UNCHANGED;
    case "read":
      // Read implies delivered: a read receipt that overtook its delivery receipt sets both.
      return current.status === "sent" || current.status === "delivered"
        ? { kind: "apply", to: "read", ...base, deliveredAt: current.deliveredAt ?? r.at, readAt: r.at }
        : UNCHANGED;
    case "failed":
      // Only a message the provider accepted and has not yet confirmed can fail late; a failure
      // report after a confirmed delivery contradicts it and is ignored.
      return current.status === "sent"
        ? { kind: "apply", to: "failed", ...base, failedAt: r.at, errorCode: r.errorCode ?? "delivery_failed", errorMessage: r.errorMessage }
        : UNCHANGED;
  }
}
