/**
 * E-mail over SMTP. Bounce and complaint notifications, and inbound e-mail from an inbound-parse
 * webhook (the raw MIME message), arrive either through a URL that carries the channel's
 * webhook_token (SNS-style forwarders, inbound parse) or as ECDSA-signed ESP event webhooks.
 */

import { hasQueryParam, type ProviderPlugin } from "../contract/plugin.js";
import { epochSeconds } from "../contract/signatures.js";
import { header } from "../contract/types.js";
import { EmailAdapter } from "./adapter.js";
import { EMAIL_SECRET_FIELDS, EmailCredentials } from "./credentials.js";
import { INBOUND_MAIL_MAX_BYTES } from "./inbound-mail.js";

export const emailPlugin: ProviderPlugin = {
  channelType: "email",
  provider: "default",
  credentials: { schema: EmailCredentials, secretFields: EMAIL_SECRET_FIELDS },
  webhooks: {
    registration: "manual",
    steps: (url) => [
      `Bounce/complaint notifications (SNS HTTPS subscription or the ESP's event webhook): ${url}?token=<the channel's webhook_token credential>`,
      "Or, for an ESP with signed event webhooks: the URL above without ?token and its public key in the event_webhook_public_key credential.",
      `Inbound e-mail: point the domain's MX record at the ESP's inbound parse host and its inbound-parse webhook at ${url}?token=<the channel's webhook_token credential>, posting the raw MIME message (SendGrid Inbound Parse: tick "POST the raw, full MIME message", read from the form's email field; a form's body-mime field is read too; any other relay: the message as a message/rfc822 body). Up to 30 MB per message; attachments and inline images are kept as media.`,
    ],
    maxBodyBytes: INBOUND_MAIL_MAX_BYTES,
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
