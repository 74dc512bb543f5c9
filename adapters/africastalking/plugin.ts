/**
 * Africa's Talking SMS. It does not sign callbacks: the callback URL registered in its dashboard
 * carries the channel's webhook_token, and that token is the proof.
 */

import { hasQueryParam, type ProviderPlugin } from "../contract/plugin.js";
import { AfricasTalkingAdapter } from "./adapter.js";
import { AFRICASTALKING_SECRET_FIELDS, AfricasTalkingCredentials } from "./credentials.js";

export const africasTalkingPlugin: ProviderPlugin = {
  channelType: "sms",
  provider: "africastalking",
  credentials: { schema: AfricasTalkingCredentials, secretFields: AFRICASTALKING_SECRET_FIELDS },
  // Africa's Talking bulk SMS: accounts are throttled per username; we plan for 50 requests/s.
  // https://developers.africastalking.com/docs/sms/sending
  accountLimit: { accountField: "username", ratePerMinute: 3_000, burst: 50 },
  webhooks: {
    registration: "manual",
    steps: (url) => [
      `Africa's Talking dashboard → SMS → Callback URLs → Delivery Reports: ${url}?token=<the channel's webhook_token credential>`,
      "Same URL for Incoming Messages. Africa's Talking does not sign callbacks; the token is the proof.",
    ],
    hasSignature: (req) => hasQueryParam(req, "token"),
  },
  createAdapter: (options) => new AfricasTalkingAdapter(options),
};
