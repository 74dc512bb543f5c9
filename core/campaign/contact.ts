/**
 * A recipient as every contact source hands it over (built-in contacts or the Account API), and
 * where a campaign on each channel type delivers to. Addresses are normalised before they are
 * compared, so "+251 911-234 567" and "+251911234567" are one recipient, and e-mail addresses
 * compare without case.
 */

import type { ChannelType } from "../messages/vocabulary.js";

export interface CampaignContact {
  id: string;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  metadata?: Record<string, unknown>;
}

export interface ContactPage {
  contacts: CampaignContact[];
  /** Where the page after this one starts; null when this was the last page. */
  nextCursor: string | null;
}

/** Metadata keys that hold a contact's id on channels that are not addressed by phone or e-mail. */
const METADATA_KEYS: Partial<Record<ChannelType, readonly string[]>> = {
  telegram: ["telegram_chat_id", "telegram_username", "telegram"],
  messenger: ["messenger_psid", "psid", "messenger"],
};

const E164 = /^\+?[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TELEGRAM = /^(-?\d{1,20}|@[A-Za-z0-9_]{5,32})$/;
const PSID = /^\d{1,32}$/;

export function normalisePhone(raw: string): string {
  const compact = raw.trim().replace(/[\s\-().]/g, "");
  return compact.startsWith("00") ? `+${compact.slice(2)}` : compact;
}

/** The contact's delivery address on a channel type, or undefined when it has none that is valid. */
export function deliveryAddressOf(contact: CampaignContact, channelType: ChannelType): string | undefined {
  switch (channelType) {
    case "sms":
    case "smpp":
    case "whatsapp": {
      const phone = contact.phone ? normalisePhone(contact.phone) : "";
      return E164.test(phone) ? phone : undefined;
    }
    case "email": {
      const email = contact.email?.trim().toLowerCase() ?? "";
      return EMAIL.test(email) && email.length <= 255 ? email : undefined;
    }
    default: {
      const pattern = channelType === "telegram" ? TELEGRAM : PSID;
      for (const key of METADATA_KEYS[channelType] ?? []) {
        const v = contact.metadata?.[key];
        const text = typeof v === "string" || typeof v === "number" ? String(v).trim() : "";
        if (pattern.test(text)) return text;
      }
      return undefined;
    }
  }
}
