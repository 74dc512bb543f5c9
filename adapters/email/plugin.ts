/**
 * E-mail over SMTP. Bounce and complaint notifications arrive either through a URL that carries
 * the channel's webhook_token (SNS-style forwarders) or as ECDSA-signed ESP event webhooks.
 */

import { hasQueryParam, type ProviderPlugin } from "../contract/plugin.js";
import { epochSeconds } from "../contract/signatures.js";
import { header } from "../contract/types.js";
import { EmailAdapter } from "./adapter.js";
import { EMAIL_SECRET_FIELDS, EmailCredentials } from "./credentials.js";

export const emailPlugin: ProviderPlugin = {
  channelType: "email",
  provider: "default",
  credentials: { schema: EmailCredentials, secretFields: EMAIL_SECRET_FIELDS },
  webhooks: {
    registration: "manual",
    steps: (url) => [
      `Bounce/complaint notifications (SNS HTTPS subscription or the ESP's event webhook): ${url}?token=<the channel's webhook_token credential>`,
      "Or, for an ESP with signed event webhooks: the URL above without ?token and its public key in the event_webhook_public_key credential.",
    ],
    hasSignature: (req) =>
      header(req, "x-twilio-email-event-webhook-signature") !== undefined || hasQueryParam(req, "token"),
    // The signed event webhook signs its timestamp header (Unix seconds) with the body.
    signedAt: (req) =>
      header(req, "x-twilio-email-event-webhook-signature") === undefined
        ? undefined
        : epochSeconds(header(req, "x-twilio-email-event-webhook-timestamp")),
  },
  createAdapter: (options) => new EmailAdapter({ logger: options.logger, outbound: options.outbound }),
};
