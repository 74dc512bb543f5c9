/**
 * Addresses that must not be messaged again on a channel scope (contact_opt_outs): marked by
 * STOP-like keywords (inbound), by providers reporting a blocked recipient and by permanent e-mail
 * bounces (receipts), in the transaction of the batch that found them. The dispatch claim and the
 * campaign fan-out read them; a contact's page lists them.
 */

import { normaliseAddress, type OptOutScope } from "../../core/webhooks/opt-out.js";
import type { SuppressionScope, SuppressionSource } from "../../core/messages/suppressions.js";
import type { Database, Session } from "../client.js";
import { unnestRows, type UnnestColumn } from "../query/unnest.js";

export interface OptOutMark {
  accountId: string;
  scope: OptOutScope;
  address: string;
  contactId: string | null;
  channelId: string;
  /** keyword: STOP and the like; provider: the provider's opt-out signal; bounce: a permanent bounce. */
  source: "keyword" | "provider" | "bounce";
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

/** One opt-out or suppression as a contact's page shows it. */
export interface ContactOptOut {
  scope: SuppressionScope;
  address: string;
  source: SuppressionSource;
  reason: string | null;
  channelId: string | null;
  createdAt: Date;
}

/**
 * A contact's opt-outs and suppressions: the marks linked to it, and the marks on its phone
 * number (sms, whatsapp, account-wide), e-mail address (email, account-wide), Telegram chat id or Messenger PSID in the form the marks
 * store them (a mark made before the contact existed carries no contact id).
 */
export async function optOutsOfContact(
  db: Database,
  contact: {
    id: string;
    accountId: string;
    email: string | null;
    phone: string | null;
    metadata: Record<string, unknown>;
  },
): Promise<ContactOptOut[]> {
  const id = (key: string) => {
    const v = contact.metadata[key];
    return typeof v === "string" || typeof v === "number" ? String(v) : null;
  };
  const { rows } = await db.withSession((s) =>
    s.query<{
      channel_scope: SuppressionScope;
      address: string;
      source: ContactOptOut["source"];
      reason: string | null;
      channel_id: string | null;
      created_at: Date;
    }>(
      `SELECT channel_scope, address, source, reason, channel_id, created_at FROM contact_opt_outs
        WHERE account_id = $1
          AND (contact_id = $2
               OR (channel_scope IN ('sms', 'whatsapp', 'all') AND address = $3)
               OR (channel_scope IN ('email', 'all') AND address = $4)
               OR (channel_scope = 'telegram' AND address = $5)
               OR (channel_scope = 'messenger' AND address = $6))
        ORDER BY created_at, channel_scope, address`,
      [
        contact.accountId,
        contact.id,
        contact.phone ? normaliseAddress("sms", contact.phone) : null,
        contact.email ? normaliseAddress("email", contact.email) : null,
        id("telegram_chat_id"),
        id("messenger_psid"),
      ],
    ),
  );
  return rows.map((r) => ({
    scope: r.channel_scope,
    address: r.address,
    source: r.source,
    reason: r.reason,
    channelId: r.channel_id,
    createdAt: r.created_at instanceof Date ? r.created_at : new Date(r.created_at),
  }));
}
