/**
 * Africa's Talking channel credentials: the schema the API validates a channel against and the adapter
 * reads, and the fields that must never appear in logs, errors or results.
 */

import { z } from "zod";

export const AfricasTalkingCredentials = z.object({
  username: z.string().min(1),
  api_key: z.string().min(16),
  /** Registered alphanumeric sender id or short code; the account default when absent. */
  sender_id: z.string().min(1).optional(),
  /**
   * Africa's Talking does not sign callbacks, so the callback URL we register carries this
   * token as `?token=` and every delivery report or inbound SMS must present it.
   */
  webhook_token: z.string().min(16),
});
export type AfricasTalkingCredentials = z.infer<typeof AfricasTalkingCredentials>;

export const AFRICASTALKING_SECRET_FIELDS = ["api_key", "webhook_token"] as const;
