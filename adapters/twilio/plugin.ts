/**
 * Twilio Programmable Messaging (SMS). Status callbacks and inbound SMS are signed with the
 * account's auth token; Twilio runs the TwiML in our answer, so an accepted webhook gets an empty
 * document (no auto-reply to inbound SMS).
 */

import type { ProviderPlugin } from "../contract/plugin.js";
import { header } from "../contract/types.js";
import { TwilioAdapter } from "./adapter.js";
import { TWILIO_SECRET_FIELDS, TwilioCredentials } from "./credentials.js";

export const twilioPlugin: ProviderPlugin = {
  channelType: "sms",
  provider: "twilio",
  credentials: { schema: TwilioCredentials, secretFields: TWILIO_SECRET_FIELDS },
  // Twilio queues per account and sender; we plan for 100 messages/s per account.
  // https://www.twilio.com/docs/sms/api/message-resource (rate limits: "Messages per second")
  accountLimit: { accountField: "account_sid", ratePerMinute: 6_000, burst: 100 },
  webhooks: {
    registration: "manual",
    steps: (url) => [
      `Twilio Console → Phone Numbers → your number → Messaging → "A message comes in": Webhook, HTTP POST, ${url}`,
      `Set the channel's status_callback_url credential to ${url} so every send asks Twilio for status callbacks.`,
      "Twilio signs with the account's auth token (the channel's auth_token credential).",
    ],
    // Docs: https://www.twilio.com/docs/usage/webhooks/webhooks-security
    hasSignature: (req) => header(req, "x-twilio-signature") !== undefined,
    acceptedReply: { contentType: "text/xml", body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' },
  },
  createAdapter: (options) => new TwilioAdapter(options),
};
