/**
 * Twilio channel credentials: the schema the API validates a channel against and the adapter reads,
 * and the fields that must never appear in logs, errors or results.
 */

import { z } from "zod";

export const TwilioCredentials = z
  .object({
    account_sid: z.string().regex(/^AC[0-9a-fA-F]{32}$/),
    /** Auth token: the Basic-auth password and the key of X-Twilio-Signature. */
    auth_token: z.string().min(16),
    /** Sender: an E.164 number, short code or alphanumeric sender id. */
    from: z.string().min(3).optional(),
    messaging_service_sid: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/)
      .optional(),
    /** Where Twilio posts status callbacks for messages we send. */
    status_callback_url: z.url().optional(),
  })
  .refine((c) => c.from || c.messaging_service_sid, {
    message: "either from or messaging_service_sid is required",
    path: ["from"],
  });
export type TwilioCredentials = z.infer<typeof TwilioCredentials>;

export const TWILIO_SECRET_FIELDS = ["auth_token"] as const;
