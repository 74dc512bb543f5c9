/**
 * Vonage signed webhooks: take every parameter except `sig`, sorted by name, write each as
 * "&name=value" with "&" and "=" in values replaced by "_", then either append the secret and
 * MD5 it ("md5hash") or HMAC it keyed by the secret. Hex digests compare case-insensitively.
 * Docs: https://developer.vonage.com/en/getting-started/concepts/signing-messages
 */

import { hmac, md5Hex, safeEqual } from "../contract/signatures.js";

export function vonageSignature(params: Record<string, string>, secret: string, method: string): string {
  const base = Object.keys(params)
    .filter((k) => k !== "sig")
    .sort()
    .map((k) => `&${k}=${(params[k] ?? "").replace(/[&=]/g, "_")}`)
    .join("");
  if (method === "md5hash") return md5Hex(base + secret);
  const algorithm = method as "md5" | "sha1" | "sha256" | "sha512";
  return hmac(algorithm, secret, base).toString("hex");
}

export function verifyVonageSignature(params: Record<string, string>, secret: string, method: string): boolean {
  const supplied = params.sig;
  if (!supplied) return false;
  return safeEqual(supplied.toLowerCase(), vonageSignature(params, secret, method).toLowerCase());
}
