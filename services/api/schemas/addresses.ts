/**
 * What a delivery address looks like per channel type, so a message that could never be
 * delivered is refused up front (400 naming delivery_address) instead of failing in dispatch.
 */

import { z } from "zod";
import type { ChannelType } from "../../../core/messages/vocabulary.js";

const e164 = z
  .string()
  .regex(/^\+?[1-9]\d{6,14}$/, { error: "must be a phone number in E.164 form, e.g. +251911234567" });
const ADDRESS: Record<ChannelType, z.ZodType> = {
  sms: e164,
  smpp: e164,
  whatsapp: e164,
  email: z.email({ error: "must be an e-mail address" }),
  // A numeric chat id (negative for groups) or a public @username.
  telegram: z
    .string()
    .regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{5,32})$/, { error: "must be a Telegram chat id or @username" }),
  // Page-scoped user id.
  messenger: z.string().regex(/^\d{1,32}$/, { error: "must be a Messenger page-scoped id (digits)" }),
};

export function addressSchema(type: ChannelType): z.ZodType {
  return ADDRESS[type];
}
