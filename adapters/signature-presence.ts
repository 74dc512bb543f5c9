import { header, type WebhookRequest } from "./contract/types.js";

/**
 * Whether a request carries any signature material at all, per provider: a request without it is
 * answered 401 (unauthenticated), one whose material does not verify 403 (forged). The check
 * itself is always the adapter's.
 */
const query = (req: WebhookRequest, name: string) => new URL(req.url, "http://placeholder").searchParams.has(name);

const PRESENT: Readonly<Record<string, (req: WebhookRequest) => boolean>> = {
  // Docs: https://core.telegram.org/bots/api#setwebhook (X-Telegram-Bot-Api-Secret-Token)
  telegram: (req) => header(req, "x-telegram-bot-api-secret-token") !== undefined,
  // Docs: https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications
  whatsapp: (req) => header(req, "x-hub-signature-256") !== undefined,
  messenger: (req) => header(req, "x-hub-signature-256") !== undefined,
  // Docs: https://www.twilio.com/docs/usage/webhooks/webhooks-security
  twilio: (req) => header(req, "x-twilio-signature") !== undefined,
  // Africa's Talking does not sign: the token in the registered callback URL is the proof.
  africastalking: (req) => query(req, "token"),
  // Docs: https://developer.vonage.com/en/getting-started/concepts/signing-messages (sig in query, form or JSON)
  vonage: (req) => query(req, "sig") || /(^|&)sig=/.test(req.rawBody) || /"sig"\s*:/.test(req.rawBody),
  email: (req) => header(req, "x-twilio-email-event-webhook-signature") !== undefined || query(req, "token"),
};

export function hasSignatureMaterial(providerKey: string, req: WebhookRequest): boolean {
  return PRESENT[providerKey]?.(req) ?? false;
}
