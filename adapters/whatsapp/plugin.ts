/** WhatsApp Cloud API. Webhooks are configured in the Meta App Dashboard and signed with the app secret. */

import { hasMetaSignature } from "../contract/meta-webhook.js";
import type { ProviderPlugin } from "../contract/plugin.js";
import { WhatsAppAdapter } from "./adapter.js";
import { WHATSAPP_SECRET_FIELDS, WhatsAppCredentials } from "./credentials.js";

export const whatsappPlugin: ProviderPlugin = {
  channelType: "whatsapp",
  provider: "default",
  credentials: { schema: WhatsAppCredentials, secretFields: WHATSAPP_SECRET_FIELDS },
  webhooks: {
    registration: "manual",
    steps: (url) => [
      `Meta App Dashboard → WhatsApp → Configuration → Webhook: Callback URL = ${url}`,
      "Verify token = the channel's verify_token credential (Meta calls GET on the URL to check it).",
      "Subscribe to the `messages` field (it carries inbound messages and sent/delivered/read/failed statuses).",
      "Meta signs every call with the app secret: the channel's app_secret credential must be that app's secret.",
    ],
    hasSignature: hasMetaSignature,
  },
  createAdapter: (options) => new WhatsAppAdapter(options),
};
