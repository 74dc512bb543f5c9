/**
 * Telegram Bot API. The webhook is registered for the operator (setWebhook with a secret token
 * that Telegram echoes on every update), so there is nothing to paste into a console.
 */

import type { ProviderPlugin } from "../contract/plugin.js";
import { header } from "../contract/types.js";
import { TelegramAdapter } from "./adapter.js";
import { TELEGRAM_SECRET_FIELDS, TelegramCredentials } from "./credentials.js";

export const telegramPlugin: ProviderPlugin = {
  channelType: "telegram",
  provider: "default",
  credentials: { schema: TelegramCredentials, secretFields: TELEGRAM_SECRET_FIELDS },
  webhooks: {
    registration: "automatic",
    steps: (url) => [`setWebhook is called for you with url=${url} and a secret token; nothing to do.`],
    // Docs: https://core.telegram.org/bots/api#setwebhook (X-Telegram-Bot-Api-Secret-Token)
    hasSignature: (req) => header(req, "x-telegram-bot-api-secret-token") !== undefined,
    // We register the channel's minted secret unless the credentials name one (a bot whose webhook
    // was set by hand), and check every update against the same.
    withChannelSecret: (credentials, secret) =>
      credentials.webhook_secret ? credentials : { ...credentials, webhook_secret: secret },
  },
  createAdapter: (options) => new TelegramAdapter(options),
};
