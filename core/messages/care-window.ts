/**
 * WhatsApp's customer-care window: a business may send free-form messages only within 24 hours
 * of the customer's last message to it; outside that window only an approved template may go.
 * The time of that last message comes from the inbound messages the platform stored (the
 * conversation's last_inbound_at), never from the caller.
 * Docs: https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-messages#customer-service-windows
 *
 * What a WhatsApp message becomes:
 *   an explicit `template` option           → that template, window or not
 *   window open                             → the text
 *   window closed, `outside_window_template` → that template (a template's WhatsApp mapping)
 *   window closed, no template              → refused with outside_care_window, no provider call
 */

import type { ChannelOptions, WhatsAppTemplate } from "./channel-options.js";

export const CUSTOMER_CARE_WINDOW_MS = 24 * 60 * 60 * 1000;
export const OUTSIDE_CARE_WINDOW = "outside_care_window";
export const OUTSIDE_CARE_WINDOW_MESSAGE =
  "free-form WhatsApp messages need a customer message in the last 24 hours; use an approved template";

/** True while the last inbound message is less than 24 hours old. */
export function insideCareWindow(lastInboundAt: Date | string | null | undefined, now: Date): boolean {
  if (lastInboundAt === null || lastInboundAt === undefined) return false;
  const at = lastInboundAt instanceof Date ? lastInboundAt.getTime() : Date.parse(lastInboundAt);
  return Number.isFinite(at) && now.getTime() - at < CUSTOMER_CARE_WINDOW_MS;
}

/** True when the message can go whatever the window (it carries a template for either case). */
export function carriesTemplate(options: ChannelOptions): boolean {
  return options.template !== undefined || options.outside_window_template !== undefined;
}

export type WhatsAppSendPlan =
  | { kind: "text" }
  | { kind: "template"; template: WhatsAppTemplate }
  | { kind: "refuse"; code: typeof OUTSIDE_CARE_WINDOW; message: string };

export function whatsappSendPlan(
  options: ChannelOptions,
  lastInboundAt: Date | string | null | undefined,
  now: Date,
): WhatsAppSendPlan {
  if (options.template) return { kind: "template", template: options.template };
  if (insideCareWindow(lastInboundAt, now)) return { kind: "text" };
  if (options.outside_window_template) return { kind: "template", template: options.outside_window_template };
  return { kind: "refuse", code: OUTSIDE_CARE_WINDOW, message: OUTSIDE_CARE_WINDOW_MESSAGE };
}
