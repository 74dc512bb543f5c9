/**
 * The provider's reference to a media object an inbound message carries (WhatsApp media id,
 * Telegram file_id, Messenger attachment URL, Twilio MediaUrlN), kept on the stored message's
 * metadata under `media` so the bytes can be fetched later with the channel's credentials.
 * Before this, an inbound photo was reduced to the label "[image]" and its reference thrown away.
 */

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
