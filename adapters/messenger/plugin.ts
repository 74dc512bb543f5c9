/** Messenger Platform. Webhooks are configured in the Meta App Dashboard and signed with the app secret. */

import { hasMetaSignature } from "../contract/meta-webhook.js";
import type { ProviderPlugin } from "../contract/plugin.js";
import { MessengerAdapter } from "./adapter.js";
import { MESSENGER_SECRET_FIELDS, MessengerCredentials } from "./credentials.js";

export const messengerPlugin: ProviderPlugin = {
  channelType: "messenger",
  provider: "default",
  credentials: { schema: MessengerCredentials, secretFields: MESSENGER_SECRET_FIELDS },
  webhooks: {
    registration: "manual",
    steps: (url) => [
      `Meta App Dashboard → Messenger → Settings → Webhooks: Callback URL = ${url}`,
      "Verify token = the channel's verify_token credential.",
      "Subscribe the page to `messages`, `message_deliveries` and `message_reads`.",
      "Meta signs every call with the app secret: the channel's app_secret credential must be that app's secret.",
    ],
    hasSignature: hasMetaSignature,
  },
  createAdapter: (options) => new MessengerAdapter(options),
};
