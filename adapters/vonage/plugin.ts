/**
 * Vonage SMS API. Signed webhooks carry `sig` in the query, the form body or the JSON body, and
 * Vonage can be set to call with GET and the parameters in the query.
 */

import { hasQueryParam, type ProviderPlugin } from "../contract/plugin.js";
import { epochSeconds } from "../contract/signatures.js";
import { VonageAdapter, webhookParams } from "./adapter.js";
import { VONAGE_SECRET_FIELDS, VonageCredentials } from "./credentials.js";

export const vonagePlugin: ProviderPlugin = {
  channelType: "sms",
  provider: "vonage",
  credentials: { schema: VonageCredentials, secretFields: VONAGE_SECRET_FIELDS },
  // Vonage SMS API: 30 requests per second per API key by default.
  // https://api.support.vonage.com/hc/en-us/articles/203993598
  accountLimit: { accountField: "api_key", ratePerMinute: 1_800, burst: 30 },
  webhooks: {
    registration: "manual",
    steps: (url) => [
      `Vonage dashboard → API settings → SMS settings: Delivery receipts = ${url}, Inbound SMS = ${url} (POST or GET)`,
      "Turn on signed webhooks with the method in the channel's signature_method credential and put the signature secret in signature_secret.",
      `Or set the channel's callback_url credential to ${url} to ask for receipts per message.`,
    ],
    // Docs: https://developer.vonage.com/en/getting-started/concepts/signing-messages (sig in query, form or JSON)
    hasSignature: (req) => hasQueryParam(req, "sig") || /(^|&)sig=/.test(req.rawBody) || /"sig"\s*:/.test(req.rawBody),
    acceptsGet: true,
    // Signed webhooks carry `timestamp` (Unix seconds, UTC) among the signed parameters.
    signedAt: (req) => epochSeconds(webhookParams(req).timestamp),
  },
  createAdapter: (options) => new VonageAdapter(options),
};
