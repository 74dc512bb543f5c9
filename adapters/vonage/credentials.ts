/**
 * Vonage channel credentials: the schema the API validates a channel against and the adapter reads,
 * and the fields that must never appear in logs, errors or results.
 */

import { z } from "zod";

export const VonageCredentials = z.object({
  api_key: z.string().min(6),
  api_secret: z.string().min(8),
  /** Sender: a virtual number (digits) or an alphanumeric id of up to 11 characters. */
  from: z.string().min(1).max(15),
  /** Signature secret for signed webhooks (dashboard → API settings). */
  signature_secret: z.string().min(8),
  /** The signing method chosen in the dashboard. */
  signature_method: z.enum(["md5hash", "md5", "sha1", "sha256", "sha512"]).default("md5hash"),
  /** Delivery receipt URL set per message (otherwise the account default is used). */
  callback_url: z.url().optional(),
});
export type VonageCredentials = z.infer<typeof VonageCredentials>;

export const VONAGE_SECRET_FIELDS = ["api_secret", "signature_secret"] as const;
