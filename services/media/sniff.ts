/**
 * A media object's content type, read from its first bytes (file-type's magic-number tables, a
 * well-kept library), never from the client's header; and the allow-list of what we accept: the
 * types the media-capable providers send (images, PDF and Office documents, audio, video), plus
 * plain UTF-8 text, which has no magic number.
 */

import { fileTypeFromBuffer } from "file-type";

/** Types accepted for upload: what WhatsApp, Telegram, Messenger, MMS and e-mail carry. */
export const MEDIA_CONTENT_TYPES: ReadonlySet<string> = new Set([
  "image/jpeg",
  "image/png",
  "image/webp",
  "image/gif",
  "application/pdf",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  "application/msword",
  "application/vnd.ms-excel",
  "application/x-cfb",
  "text/plain",
  "audio/mpeg",
  "audio/ogg",
  "audio/aac",
  "audio/mp4",
  "audio/amr",
  "video/mp4",
  "video/3gpp",
]);

/** Bytes enough for every signature file-type checks (its own figure: 4100). */
export const SNIFF_BYTES = 4100;

/** UTF-8 text without control characters other than tab, newline and carriage return. */
function isPlainText(head: Buffer): boolean {
  if (head.length === 0) return false;
  // A cut multi-byte sequence at the end of the sample is not a fault of the text.
  const text = new TextDecoder("utf-8", { fatal: false }).decode(head);
  const body = text.replace(/\uFFFD{1,3}$/, "");
  return !body.includes("\uFFFD") && !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(body);
}

/** The sniffed content type of an object whose first bytes are `head`, or undefined when unknown. */
export async function sniffContentType(head: Buffer): Promise<string | undefined> {
  const found = await fileTypeFromBuffer(head);
  if (found) return found.mime === "audio/x-m4a" ? "audio/mp4" : found.mime;
  return isPlainText(head) ? "text/plain" : undefined;
}
