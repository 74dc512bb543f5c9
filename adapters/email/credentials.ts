/**
 * E-mail channel credentials: the schema the API validates a channel against and the adapter reads,
 * and the fields that must never appear in logs, errors or results.
 */

import { z } from "zod";

export const EmailCredentials = z.object({
  smtp_host: z.string().min(1),
  smtp_port: z.coerce.number().int().min(1).max(65535).default(587),
  smtp_username: z.string().min(1).optional(),
  smtp_password: z.string().min(1).optional(),
  /** Implicit TLS from the first byte (port 465). Otherwise STARTTLS when offered. */
  secure: z.boolean().default(false),
  /** Refuse to send over a connection that did not upgrade with STARTTLS. */
  require_tls: z.boolean().default(true),
  from_email: z.email(),
  from_name: z.string().optional(),
  reply_to: z.email().optional(),
  /** Right-hand side of the Message-ID we generate; defaults to the sender's domain. */
  message_id_domain: z.string().optional(),
  /** Token the bounce/complaint notification URL carries as `?token=` (SNS-style forwarders). */
  webhook_token: z.string().min(16).optional(),
  /** Base64 DER (SPKI) ECDSA public key for signed event webhooks, where the ESP offers them. */
  event_webhook_public_key: z.string().optional(),
});
export type EmailCredentials = z.infer<typeof EmailCredentials>;

export const EMAIL_SECRET_FIELDS = ["smtp_password", "webhook_token"] as const;
