/**
 * Telegram channel credentials: the schema the API validates a channel against and the adapter reads,
 * and the fields that must never appear in logs, errors or results.
 */

import { z } from "zod";

export const TelegramCredentials = z.object({
  /** Bot token from @BotFather, "<bot id>:<secret>". It is a path segment of every API URL. */
  bot_token: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, "bot token must look like <id>:<secret>"),
  /**
   * Secret we hand to setWebhook; Telegram echoes it in X-Telegram-Bot-Api-Secret-Token.
   * Docs: https://core.telegram.org/bots/api#setwebhook (1-256 chars of A-Z, a-z, 0-9, _ and -)
   */
  webhook_secret: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/)
    .optional(),
});
export type TelegramCredentials = z.infer<typeof TelegramCredentials>;

export const TELEGRAM_SECRET_FIELDS = ["bot_token", "webhook_secret"] as const;
