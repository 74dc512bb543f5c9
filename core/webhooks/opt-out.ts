/**
 * Opt-out and opt-in keywords. A message counts only when its whole text is the keyword
 * (trimmed, any case, trailing punctuation ignored), as carriers' standard keyword handling
 * does, so "please stop by tomorrow" is not an opt-out.
 * Keywords: https://help.twilio.com/articles/223134027 (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END,
 * QUIT; START, YES, UNSTOP), plus SUBSCRIBE, OPTOUT/OPT OUT/STOP ALL as written by hand.
 */

import { normalisePhone } from "../campaign/contact.js";
import type { ChannelType } from "../messages/vocabulary.js";

const OPT_OUT = new Set([
  "STOP",
  "STOPALL",
  "STOP ALL",
  "UNSUBSCRIBE",
  "CANCEL",
  "END",
  "QUIT",
  "OPTOUT",
  "OPT OUT",
  "/STOP",
]);
const OPT_IN = new Set(["START", "UNSTOP", "SUBSCRIBE", "YES", "/START"]);

export type KeywordAction = "opt_out" | "opt_in";

export function keywordAction(text: string): { action: KeywordAction; keyword: string } | undefined {
  const keyword = text
    .trim()
    .replace(/[.!\s]+$/u, "")
    .replace(/\s+/g, " ")
    .toUpperCase();
  if (keyword.length === 0 || keyword.length > 12) return undefined;
  if (OPT_OUT.has(keyword)) return { action: "opt_out", keyword };
  if (OPT_IN.has(keyword)) return { action: "opt_in", keyword };
  return undefined;
}

/**
 * Where an opt-out applies. A STOP sent by SMS stops SMS to that number whichever SMS provider or
 * SMPP bind carries it; it does not stop WhatsApp or e-mail, which the person agreed to separately.
 */
export type OptOutScope = "sms" | "whatsapp" | "telegram" | "messenger" | "email";

export function optOutScope(channelType: ChannelType): OptOutScope {
  return channelType === "smpp" ? "sms" : channelType;
}

/**
 * An address in the form messages store it (the campaign fan-out normalises the same way), so an
 * inbound sender, an opt-out and a later message to that person compare equal.
 */
export function normaliseAddress(channelType: ChannelType, raw: string): string {
  switch (channelType) {
    case "sms":
    case "smpp":
    case "whatsapp": {
      const phone = normalisePhone(raw);
      return /^\d+$/.test(phone) && phone.length >= 7 ? `+${phone}` : phone;
    }
    case "email":
      return raw.trim().toLowerCase();
    default:
      return raw.trim();
  }
}
