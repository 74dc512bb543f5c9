/**
 * Suppressions: addresses an account must not message, whoever decided it. The recipient (an
 * opt-out keyword, a spam complaint), the provider (its opt-out or block signal), a permanent
 * bounce, or the account itself by hand. A suppression holds on one channel type's scope (sms
 * covers every SMS provider and SMPP) or on all of the account's channels, for a phone number or
 * an e-mail address. What a send to a suppressed address records depends on who decided it: the
 * recipient's choice is `opted_out`, a dead mailbox `suppressed_bounce`, the account's own rule
 * `suppressed`, so reports keep the three apart.
 */

import { normalisePhone } from "../campaign/contact.js";
import { normaliseAddress, type OptOutScope } from "../webhooks/opt-out.js";

export const SUPPRESSION_REASONS = [
  "opt_out_keyword",
  "provider_opt_out",
  "hard_bounce",
  "complaint",
  "manual",
] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** `all`: every channel of the account; otherwise one channel type's opt-out scope. */
export const SUPPRESSION_SCOPES = ["all", "sms", "whatsapp", "telegram", "messenger", "email"] as const;
export type SuppressionScope = OptOutScope | "all";

/** How a suppression's reason is stored (contact_opt_outs.source), the form the pipeline has always written. */
export type SuppressionSource = "keyword" | "provider" | "bounce" | "complaint" | "manual" | "api";

const SOURCE_OF: Record<SuppressionReason, SuppressionSource> = {
  opt_out_keyword: "keyword",
  provider_opt_out: "provider",
  hard_bounce: "bounce",
  complaint: "complaint",
  manual: "manual",
};

export function sourceOfReason(reason: SuppressionReason): SuppressionSource {
  return SOURCE_OF[reason];
}

/** `api` is the source rows added by hand carried before suppressions had reasons of their own. */
export function reasonOfSource(source: SuppressionSource): SuppressionReason {
  switch (source) {
    case "keyword":
      return "opt_out_keyword";
    case "provider":
      return "provider_opt_out";
    case "bounce":
      return "hard_bounce";
    case "complaint":
      return "complaint";
    case "manual":
    case "api":
      return "manual";
  }
}

/** The error a send to a suppressed address records (and the campaign skip reason). */
export type SuppressedCode = "opted_out" | "suppressed_bounce" | "suppressed";

export function suppressedCode(source: SuppressionSource): SuppressedCode {
  if (source === "bounce") return "suppressed_bounce";
  if (source === "manual") return "suppressed";
  return "opted_out";
}

const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The address in the form the scope's messages store it, or an error text. An account-wide
 * suppression must be a phone number (E.164) or an e-mail address: those are the addresses that
 * mean the same person on several channel types; a Telegram chat id or a Messenger PSID belongs
 * to its own scope.
 */
export function suppressionAddress(scope: SuppressionScope, raw: string): { address: string } | { error: string } {
  const trimmed = raw.trim();
  if (trimmed.length === 0) return { error: "address: must not be empty" };
  if (trimmed.length > 255) return { error: "address: at most 255 characters" };
  if (scope === "all") {
    if (trimmed.includes("@")) {
      const email = trimmed.toLowerCase();
      return EMAIL.test(email) ? { address: email } : { error: "address: not an e-mail address" };
    }
    const phone = normaliseAddress("sms", normalisePhone(trimmed));
    return E164.test(phone)
      ? { address: phone }
      : { error: "address: an account-wide suppression needs a phone number (E.164) or an e-mail address" };
  }
  if (scope === "email") {
    const email = normaliseAddress("email", trimmed);
    return EMAIL.test(email) ? { address: email } : { error: "address: not an e-mail address" };
  }
  if (scope === "sms" || scope === "whatsapp") {
    const phone = normaliseAddress(scope, trimmed);
    return E164.test(phone) ? { address: phone } : { error: "address: not a phone number (E.164)" };
  }
  return { address: normaliseAddress(scope, trimmed) };
}
