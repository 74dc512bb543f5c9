/**
 * Signed, short-lived links to a stored media object, for providers that fetch media by URL
 * (Twilio's MediaUrl, WhatsApp/Telegram/Messenger by link, e-mail attachments). The token names the
 * object and its expiry and carries an HMAC-SHA256 over both, keyed from the deployment's
 * credentials key ring, so the dispatcher (which signs) and the API (which serves) agree without
 * another secret, and a link can be neither forged nor extended.
 */

import { createHmac, timingSafeEqual } from "node:crypto";

/** The signing key: derived from the key-ring setting (never the raw keys themselves). */
export function mediaLinkKey(credentialsKeys: string): Buffer {
  return createHmac("sha256", credentialsKeys).update("turumba media link v1").digest();
}

const mac = (key: Buffer, body: string) => createHmac("sha256", key).update(body).digest("base64url");

export function signMediaLink(key: Buffer, mediaId: string, expiresAt: Date): string {
  const body = `${mediaId}.${Math.floor(expiresAt.getTime() / 1000)}`;
  return `${body}.${mac(key, body)}`;
}

/** The media id a token names, or undefined when it is malformed, forged or expired. */
export function verifyMediaLink(key: Buffer, token: string, now: Date): string | undefined {
  const m = /^([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return undefined;
  const expected = Buffer.from(mac(key, `${m[1]}.${m[2]}`));
  const given = Buffer.from(m[3]!);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return Number(m[2]) * 1000 > now.getTime() ? m[1] : undefined;
}
