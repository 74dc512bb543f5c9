/**
 * Messenger channel credentials: the schema the API validates a channel against and the adapter reads,
 * and the fields that must never appear in logs, errors or results.
 */

import { z } from "zod";

export const MessengerCredentials = z.object({
  page_access_token: z.string().min(10),
  page_id: z.string().regex(/^\d+$/),
  app_secret: z.string().min(8),
  verify_token: z.string().min(8),
  api_version: z
    .string()
    .regex(/^v\d+\.\d+$/)
    .default("v18.0"),
});
export type MessengerCredentials = z.infer<typeof MessengerCredentials>;

export const MESSENGER_SECRET_FIELDS = ["page_access_token", "app_secret", "verify_token"] as const;
