/**
 * The provider's reference to a media object an inbound message carries (WhatsApp media id,
 * Telegram file_id, Messenger attachment URL, Twilio MediaUrlN), kept on the stored message's
 * metadata under `media` so the bytes can be fetched later with the channel's credentials.
 * Before this, an inbound photo was reduced to the label "[image]" and its reference thrown away.
 */

import { createHash } from "node:crypto";
import { z } from "zod";
import { mediaKindOf } from "./limits.js";

export const InboundMediaKind = z.enum(["image", "document", "audio", "video", "sticker"]);

export const InboundMedia = z.object({
  /** What the provider names the object by: a media id, a file_id or a URL. */
  ref: z.string().min(1),
  kind: InboundMediaKind,
  /** The type the provider declares (not trusted: the fetch sniffs the bytes again). */
  mimeType: z.string().nullable(),
  filename: z.string().nullable(),
});
export type InboundMedia = z.infer<typeof InboundMedia>;

/** The metadata key the references are stored under. */
export const INBOUND_MEDIA_KEY = "media";

/** A reference, or nothing when the provider gave no usable one. */
export function inboundMedia(
  ref: unknown,
  kind: z.infer<typeof InboundMediaKind> | undefined,
  mimeType?: unknown,
  filename?: unknown,
): InboundMedia[] {
  if (typeof ref !== "string" || ref === "") return [];
  const mime = typeof mimeType === "string" && mimeType !== "" ? mimeType : null;
  return [
    {
      ref,
      kind: kind ?? (mime ? mediaKindOf(mime) : "document"),
      mimeType: mime,
      filename: typeof filename === "string" && filename !== "" ? filename : null,
    },
  ];
}

/** The media id of the position-th reference of a message: a UUID from a hash, stable across redeliveries. */
export function inboundMediaId(channelId: string, providerMessageId: string, position: number): string {
  const h = createHash("sha256").update(`inbound-media\u0000${channelId}\u0000${providerMessageId}\u0000${position}`);
  const b = h.digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80; // version 8: a custom, hash-based UUID
  b[8] = (b[8]! & 0x3f) | 0x80;
  const x = b.toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
