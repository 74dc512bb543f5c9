/**
 * Turns one page of contacts into message rows: address per channel type, one row per address
 * (the first contact wins), the template rendered per contact. Pure; the renderer is passed in
 * (core/templating.ts in production) so the same rules serve single and group sends.
 */

import type { ChannelType } from "../messages/vocabulary.js";
import { deliveryAddressOf, type CampaignContact } from "./contact.js";

export type SkipReason = "no_address" | "duplicate_address" | "missing_variables" | "opted_out" | "suppressed_bounce";

export interface RenderedText {
  text: string;
  skipped: boolean;
  missing: string[];
}

export interface PlannedRow {
  contactId: string;
  address: string;
  body: string;
  /** queued to send; skipped when the template's skip strategy met a missing variable. */
  status: "queued" | "skipped";
  errorMessage: string | null;
}

export interface PagePlan {
  rows: PlannedRow[];
  /** Contacts that got no row at all, by reason. */
  skipped: Partial<Record<SkipReason, number>>;
}

export function planPage(
  contacts: readonly CampaignContact[],
  channelType: ChannelType,
  render: (contact: CampaignContact) => RenderedText,
): PagePlan {
  const rows: PlannedRow[] = [];
  const skipped: Partial<Record<SkipReason, number>> = {};
  const seen = new Set<string>();
  const skip = (reason: SkipReason) => {
    skipped[reason] = (skipped[reason] ?? 0) + 1;
  };
  for (const contact of contacts) {
    const address = deliveryAddressOf(contact, channelType);
    if (!address) {
      skip("no_address");
      continue;
    }
    if (seen.has(address)) {
      skip("duplicate_address");
      continue;
    }
    seen.add(address);
    const r = render(contact);
    rows.push(
      r.skipped
        ? {
            contactId: contact.id,
            address,
            body: r.text,
            status: "skipped",
            errorMessage: `missing template variables: ${r.missing.join(", ")}`,
          }
        : { contactId: contact.id, address, body: r.text, status: "queued", errorMessage: null },
    );
  }
  return { rows, skipped };
}

/**
 * The plan without rows to addresses that opted out (STOP and the like): those contacts get no
 * message and count as skipped with reason opted_out. `optedOut` answers for a row's address.
 * The same for addresses a permanent bounce suppressed, counted under suppressed_bounce.
 */
export function withoutOptedOut(
  plan: PagePlan,
  optedOut: (address: string) => boolean,
  reason: "opted_out" | "suppressed_bounce" = "opted_out",
): PagePlan {
  const rows = plan.rows.filter((r) => !optedOut(r.address));
  const dropped = plan.rows.length - rows.length;
  if (dropped === 0) return plan;
  return { rows, skipped: { ...plan.skipped, [reason]: (plan.skipped[reason] ?? 0) + dropped } };
}

export function addReasons(
  into: Partial<Record<string, number>>,
  more: Partial<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of [...Object.entries(into), ...Object.entries(more)]) if (v) out[k] = (out[k] ?? 0) + v;
  return out;
}
