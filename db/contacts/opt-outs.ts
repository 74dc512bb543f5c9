/**
 * Addresses that must not be messaged again on a channel scope (contact_opt_outs): marked by
 * STOP-like keywords (inbound) and by providers reporting a blocked recipient (receipts), in the
 * transaction of the batch that found them. The dispatch claim reads them.
 */

import type { OptOutScope } from "../../core/webhooks/opt-out.js";
import type { Session } from "../client.js";
import { unnestRows, type UnnestColumn } from "../query/unnest.js";

export interface OptOutMark {
  accountId: string;
  scope: OptOutScope;
  address: string;
  contactId: string | null;
  channelId: string;
  source: "keyword" | "provider";
  reason: string | null;
}

const OPT_OUT_COLUMNS = (now: Date): UnnestColumn<OptOutMark>[] => [
  { name: "account_id", type: "uuid", value: (m) => m.accountId },
  { name: "channel_scope", type: "text", value: (m) => m.scope },
  { name: "address", type: "text", value: (m) => m.address },
  { name: "contact_id", type: "uuid", value: (m) => m.contactId },
  { name: "source", type: "text", value: (m) => m.source },
  { name: "reason", type: "text", value: (m) => m.reason },
  { name: "channel_id", type: "uuid", value: (m) => m.channelId },
  { name: "created_at", type: "timestamptz", value: () => now },
];

/** Opt-outs are kept with their first reason; a second STOP or provider signal changes nothing. */
export async function markOptOuts(s: Session, all: readonly OptOutMark[], now: Date): Promise<void> {
  // One statement may not upsert the same row twice: the first mark of an address wins.
  const seen = new Set<string>();
  const marks = all.filter((m) => {
    const k = `${m.accountId}|${m.scope}|${m.address}`;
    return !seen.has(k) && seen.add(k);
  });
  const o = unnestRows(marks, OPT_OUT_COLUMNS(now), "o");
  await s.query(
    `INSERT INTO contact_opt_outs (account_id, channel_scope, address, contact_id, source, reason, channel_id, created_at)
     SELECT * FROM ${o.from}
     ON CONFLICT (account_id, channel_scope, address) DO UPDATE SET contact_id = COALESCE(contact_opt_outs.contact_id, EXCLUDED.contact_id)`,
    o.params,
  );
}
