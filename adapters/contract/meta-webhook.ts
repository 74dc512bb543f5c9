/**
 * What WhatsApp Cloud API and Messenger share as Meta platforms: the webhook signature, the subscription
 * handshake and the Graph API error body.
 */

import { hmac, safeEqual } from "./signatures.js";
import { header, type WebhookRequest } from "./types.js";

/**
 * Meta (WhatsApp Cloud API, Messenger) signs every webhook POST with
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed by the app secret>`.
 * Docs: https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications
 */
export function verifyMetaSignature(req: WebhookRequest, appSecret: string): boolean {
  const supplied = header(req, "x-hub-signature-256");
  if (!supplied?.startsWith("sha256=")) return false;
  const expected = "sha256=" + hmac("sha256", appSecret, Buffer.from(req.rawBody, "utf8")).toString("hex");
  return safeEqual(supplied.toLowerCase(), expected);
}

/** Whether a request carries Meta's signature header at all (a forged or wrong one is the adapter's to refuse). */
export function hasMetaSignature(req: WebhookRequest): boolean {
  return header(req, "x-hub-signature-256") !== undefined;
}

/**
 * The subscription handshake: Meta sends GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…
 * and expects the challenge echoed when the token matches ours.
 * Docs: https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests
 */
export function answerMetaChallenge(req: WebhookRequest, verifyToken: string): string | null {
  const query = new URL(req.url, "http://placeholder").searchParams;
  if (query.get("hub.mode") !== "subscribe") return null;
  if (!safeEqual(query.get("hub.verify_token"), verifyToken)) return null;
  return query.get("hub.challenge");
}

/** Graph API error body: {"error":{"message","type","code","error_subcode","fbtrace_id"}}. */
export interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { details?: string };
  fbtrace_id?: string;
}

export function graphError(json: unknown): GraphError | undefined {
  const err = (json as { error?: GraphError } | undefined)?.error;
  return err && typeof err === "object" ? err : undefined;
}

export function epochSecondsToIso(value: string | number | undefined): string | null {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString() : null;
}
