/**
 * WhatsApp channel credentials: the schema the API validates a channel against and the adapter reads,
 * and the fields that must never appear in logs, errors or results.
 */

import { z } from "zod";

export const WhatsAppCredentials = z.object({
  access_token: z.string().min(10),
  phone_number_id: z.string().regex(/^\d+$/),
  business_account_id: z.string().regex(/^\d+$/).optional(),
  /** App secret: the key of X-Hub-Signature-256 on every webhook. */
  app_secret: z.string().min(8),
  /** Token we configure for the GET hub.challenge handshake. */
  verify_token: z.string().min(8),
  api_version: z
    .string()
    .regex(/^v\d+\.\d+$/)
    .default("v18.0"),
});
export type WhatsAppCredentials = z.infer<typeof WhatsAppCredentials>;

export const WHATSAPP_SECRET_FIELDS = ["access_token", "app_secret", "verify_token"] as const;
