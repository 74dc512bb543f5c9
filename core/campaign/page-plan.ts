/**
 * Turns one page of contacts into message rows: address per channel type, one row per address
 * (the first contact wins), the template rendered per contact. Pure; the renderer is passed in
 * (core/templating.ts in production) so the same rules serve single and group sends.
 */

import type { ChannelType } from "../messages/vocabulary.js";
import type { ChannelOptions } from "../messages/channel-options.js";
import { OUTSIDE_CARE_WINDOW, OUTSIDE_CARE_WINDOW_MESSAGE, carriesTemplate } from "../messages/care-window.js";
import { deliveryAddressOf, type CampaignContact } from "./contact.js";
import { TOO_LONG_CODE, tooLongDetail, type TooLong } from "../content/limits.js";

export type SkipReason =
  | "no_address"
  | "duplicate_address"
  | "missing_variables"
  | "rendered_too_long"
  | "opted_out"
  | "suppressed_bounce"
  | "suppressed";

export interface RenderedText {
  text: string;
  skipped: boolean;
  missing: string[];
  /** A part went over its channel's limit: the recipient is skipped with this reason. */
  tooLong?: TooLong;
  /** The message's channel options, rendered parts included. */
  options?: ChannelOptions;
}

export interface PlannedRow {
  contactId: string;
  address: string;
  body: string;
  options: ChannelOptions;
  /**
   * queued to send; skipped when the template's skip strategy met a missing variable or a part
   * went over its channel's limit; failed when
   * it could never be sent (free-form WhatsApp text outside the customer-care window).
   */
  status: "queued" | "skipped" | "failed";
  errorCode: string | null;
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
    const row = { contactId: contact.id, address, body: r.text, options: r.options ?? {} };
    rows.push(
      r.tooLong
        ? { ...row, status: "skipped", errorCode: TOO_LONG_CODE, errorMessage: tooLongDetail(r.tooLong) }
        : r.skipped
          ? {
              ...row,
              status: "skipped",
              errorCode: "missing_variables",
              errorMessage: `missing template variables: ${r.missing.join(", ")}`,
            }
          : { ...row, status: "queued", errorCode: null, errorMessage: null },
    );
  }
  return { rows, skipped };
}

/**
 * The plan without rows to addresses that opted out (STOP and the like): those contacts get no
 * message and count as skipped with reason opted_out. `optedOut` answers for a row's address.
 * The same for addresses a permanent bounce suppressed (suppressed_bounce) and those the account
 * suppressed by hand (suppressed).
 */
export function withoutOptedOut(
  plan: PagePlan,
  optedOut: (address: string) => boolean,
  reason: "opted_out" | "suppressed_bounce" | "suppressed" = "opted_out",
): PagePlan {
  const rows = plan.rows.filter((r) => !optedOut(r.address));
  const dropped = plan.rows.length - rows.length;
  if (dropped === 0) return plan;
  return { rows, skipped: { ...plan.skipped, [reason]: (plan.skipped[reason] ?? 0) + dropped } };
}

/** Queued WhatsApp rows of free-form text: they can be sent only while the care window is open. */
export function needsOpenWindow(plan: PagePlan, channelType: ChannelType): PlannedRow[] {
  if (channelType !== "whatsapp") return [];
  return plan.rows.filter((r) => r.status === "queued" && !carriesTemplate(r.options));
}

/**
 * The plan with the rows of needsOpenWindow whose recipient's window is closed created failed
 * (outside_care_window): they could only fail, so they never wait in the channel's queue.
 * `windowOpen` answers for an address, from the stored inbound messages.
 */
export function withCareWindow(
  plan: PagePlan,
  channelType: ChannelType,
  windowOpen: (address: string) => boolean,
): PagePlan {
  const closed = new Set(needsOpenWindow(plan, channelType).filter((r) => !windowOpen(r.address)));
  if (closed.size === 0) return plan;
  return {
    ...plan,
    rows: plan.rows.map((r) =>
      closed.has(r)
        ? { ...r, status: "failed", errorCode: OUTSIDE_CARE_WINDOW, errorMessage: OUTSIDE_CARE_WINDOW_MESSAGE }
        : r,
    ),
  };
}

export function addReasons(
  into: Partial<Record<string, number>>,
  more: Partial<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of [...Object.entries(into), ...Object.entries(more)]) if (v) out[k] = (out[k] ?? 0) + v;
  return out;
}
