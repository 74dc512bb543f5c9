import type { z } from "zod";
import { AFRICASTALKING_SECRET_FIELDS, AfricasTalkingCredentials } from "./africastalking/credentials.js";
import { EMAIL_SECRET_FIELDS, EmailCredentials } from "./email/credentials.js";
import { MESSENGER_SECRET_FIELDS, MessengerCredentials } from "./messenger/credentials.js";
import { SMPP_SECRET_FIELDS, SmppCredentials } from "./smpp/credentials.js";
import { TELEGRAM_SECRET_FIELDS, TelegramCredentials } from "./telegram/credentials.js";
import { TWILIO_SECRET_FIELDS, TwilioCredentials } from "./twilio/credentials.js";
import { VONAGE_SECRET_FIELDS, VonageCredentials } from "./vonage/credentials.js";
import { WHATSAPP_SECRET_FIELDS, WhatsAppCredentials } from "./whatsapp/credentials.js";
import type { ChannelType } from "../core/messages/vocabulary.js";

/**
 * Which credential schema a channel must satisfy, by channel type and provider (seed 000 §4
 * registry: sms has one adapter per HTTP provider, every other type a single default). The
 * schemas are the adapters' own, so the API refuses exactly what the adapter could not use.
 */
export interface CredentialKind {
  schema: z.ZodType;
  secretFields: readonly string[];
}

export const PROVIDERS: Readonly<Record<ChannelType, readonly string[]>> = {
  sms: ["twilio", "africastalking", "vonage"],
  smpp: ["default"],
  telegram: ["default"],
  whatsapp: ["default"],
  messenger: ["default"],
  email: ["default"],
};

const KINDS: Readonly<Record<string, CredentialKind>> = {
  "sms/twilio": { schema: TwilioCredentials, secretFields: TWILIO_SECRET_FIELDS },
  "sms/africastalking": { schema: AfricasTalkingCredentials, secretFields: AFRICASTALKING_SECRET_FIELDS },
  "sms/vonage": { schema: VonageCredentials, secretFields: VONAGE_SECRET_FIELDS },
  "smpp/default": { schema: SmppCredentials, secretFields: SMPP_SECRET_FIELDS },
  "telegram/default": { schema: TelegramCredentials, secretFields: TELEGRAM_SECRET_FIELDS },
  "whatsapp/default": { schema: WhatsAppCredentials, secretFields: WHATSAPP_SECRET_FIELDS },
  "messenger/default": { schema: MessengerCredentials, secretFields: MESSENGER_SECRET_FIELDS },
  "email/default": { schema: EmailCredentials, secretFields: EMAIL_SECRET_FIELDS },
};

export function credentialKind(channelType: ChannelType, provider: string): CredentialKind | undefined {
  return KINDS[`${channelType}/${provider}`];
}
