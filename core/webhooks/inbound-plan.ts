/**
 * The inbound consumer's decisions, kept pure: who sent it (address and the contact field that
 * holds it), which conversation it threads into, whether it is one part of a longer SMS, and what
 * its opt-out keyword does. The SQL that applies them lives in db/conversations/inbound-store.ts.
 */

import type { InboundMessage } from "../messages/vocabulary.js";
import type { ChannelType } from "../messages/vocabulary.js";
import { keywordAction, normaliseAddress, optOutScope, type KeywordAction, type OptOutScope } from "./opt-out.js";

/** Where a contact keeps its address on each channel type (the same fields the campaign fan-out reads). */
export type ContactKey =
  { kind: "column"; column: "phone" | "email" } | { kind: "metadata"; key: "telegram_chat_id" | "messenger_psid" };

export function contactKeyOf(channelType: ChannelType): ContactKey {
  switch (channelType) {
    case "sms":
    case "smpp":
    case "whatsapp":
      return { kind: "column", column: "phone" };
    case "email":
      return { kind: "column", column: "email" };
    case "telegram":
      return { kind: "metadata", key: "telegram_chat_id" };
    case "messenger":
      return { kind: "metadata", key: "messenger_psid" };
  }
}

/**
 * How an existing contact may have spelled the number: contacts keep what was imported, and an
 * E.164 number is valid with or without its "+" there.
 */
export function phoneSpellings(address: string): string[] {
  return address.startsWith("+") ? [address, address.slice(1)] : [address, `+${address}`];
}

export interface PlannedInbound {
  /** The sender in the form messages and opt-outs store it. */
  address: string;
  scope: OptOutScope;
  /**
   * The other side of the conversation (our number, page or bot as the provider names it), or ""
   * when the provider does not say (Telegram): with the channel it keys the conversation.
   */
  participantTo: string;
  keyword?: { action: KeywordAction; keyword: string; source?: "provider" };
  /** A display name the provider gave us for a new contact. */
  name: string | null;
}

export function planInbound(channelType: ChannelType, m: InboundMessage): PlannedInbound {
  const keyword = providerSignal(m) ?? (m.contentType === "text" ? keywordAction(m.text) : undefined);
  return {
    address: normaliseAddress(channelType, m.from),
    scope: optOutScope(channelType),
    participantTo: m.to ? normaliseAddress(channelType, m.to) : "",
    ...(keyword ? { keyword } : {}),
    name: contactNameOf(m),
  };
}

/**
 * An adapter sets metadata.providerOptOut when the provider itself says the sender opted out or
 * back in (Twilio's OptOutType). It wins over our keyword list: the provider's list may hold
 * keywords ours lacks, and it is the list the provider enforces.
 */
function providerSignal(m: InboundMessage): { action: KeywordAction; keyword: string; source: "provider" } | undefined {
  const action = m.metadata.providerOptOut;
  if (action !== "opt_out" && action !== "opt_in") return undefined;
  const keyword = m.text.trim().toUpperCase().slice(0, 50) || action.toUpperCase();
  return { action, keyword, source: "provider" };
}

function contactNameOf(m: InboundMessage): string | null {
  for (const key of ["profileName", "name", "firstName"]) {
    const v = m.metadata[key];
    if (typeof v === "string" && v.trim()) return v.trim().slice(0, 255);
  }
  return null;
}

/** One part of a long inbound SMS that the provider delivers as separate webhooks (Vonage concat-*). */
export interface ConcatPart {
  ref: string;
  total: number;
  part: number;
}

export function concatPartOf(m: InboundMessage): ConcatPart | null {
  const c = m.metadata.concat as { ref?: unknown; total?: unknown; part?: unknown } | null | undefined;
  if (!c || typeof c !== "object") return null;
  const ref = typeof c.ref === "string" || typeof c.ref === "number" ? String(c.ref) : "";
  const total = Number(c.total);
  const part = Number(c.part);
  if (!ref || ref.length > 64 || !Number.isInteger(total) || !Number.isInteger(part)) return null;
  if (total < 2 || total > 255 || part < 1 || part > total) return null;
  return { ref, total, part };
}

export interface StoredPart {
  part: number;
  total: number;
  providerMessageId: string;
  body: string;
  receivedAt: Date;
}

/**
 * The whole message once every part is in, else undefined. It takes the first part's provider id
 * and time, read back from the stored parts, so however often (and in whatever order) the parts
 * are redelivered the assembled message is the same row.
 */
export function assembleParts(
  parts: readonly StoredPart[],
): { providerMessageId: string; text: string; receivedAt: Date } | undefined {
  if (parts.length === 0) return undefined;
  const total = parts[0]!.total;
  const byPart = new Map<number, StoredPart>();
  for (const p of parts) if (p.total === total && !byPart.has(p.part)) byPart.set(p.part, p);
  if (byPart.size !== total) return undefined;
  const ordered = [...byPart.values()].sort((a, b) => a.part - b.part);
  return {
    providerMessageId: ordered[0]!.providerMessageId,
    text: ordered.map((p) => p.body).join(""),
    receivedAt: ordered[0]!.receivedAt,
  };
}

export interface KeywordHit {
  address: string;
  at: Date;
  action: KeywordAction;
  keyword: string;
  /** "provider" when the provider's own signal said it (recorded as the opt-out's source). */
  source?: "provider";
}

/** Per address, the keyword sent last wins: STOP then START in one batch leaves the address opted in. */
export function finalKeywordActions(hits: readonly KeywordHit[]): KeywordHit[] {
  const last = new Map<string, KeywordHit>();
  for (const h of hits) {
    const seen = last.get(h.address);
    if (!seen || h.at.getTime() >= seen.at.getTime()) last.set(h.address, h);
  }
  return [...last.values()];
}
