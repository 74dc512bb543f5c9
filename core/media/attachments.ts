/**
 * Attachments on an outbound message: a media object uploaded through POST /v1/media (by id) or an
 * HTTPS URL, sent with the message's text as the caption. They travel in the message's channel
 * options (`channel_options.attachments`), so single sends, campaigns and schedules all carry them
 * the same way; the dispatcher turns each into a URL the provider can fetch (ours signed and
 * short-lived for stored media) just before the provider call.
 */

import { z } from "zod";
import { MEDIA_KINDS, mediaKindOf, type MediaKind } from "./limits.js";

export const MediaKindSchema = z.enum(MEDIA_KINDS);

/**
 * E-mail only: the part's Content-ID, so the HTML shows the image inline where it says
 * `<img src="cid:...">` (RFC 2392); other channel types ignore it.
 */
const cid = z
  .string()
  .regex(/^[A-Za-z0-9._@-]{1,100}$/, { error: "letters, digits and . _ @ - only, at most 100" })
  .optional()
  .describe('E-mail only: a Content-ID; the HTML shows the image inline where it says src="cid:<this>"');

export const AttachmentInput = z.union([
  z.strictObject({ media_id: z.uuid({ error: "must be a UUID" }).describe("An id from POST /v1/media"), cid }),
  z.strictObject({
    url: z
      .url({ protocol: /^https$/, error: "must be an https:// URL" })
      .max(2048)
      .describe("An HTTPS URL the provider fetches; checked against the outbound-address rules"),
    kind: MediaKindSchema.optional().describe("How to send it; by default read from the URL's file extension"),
    filename: z.string().min(1).max(255).optional(),
    cid,
  }),
]);
export type AttachmentInput = z.infer<typeof AttachmentInput>;

/** What an adapter receives: a URL it can hand to the provider, and how to present it. */
export const DispatchAttachment = z.object({
  url: z.string(),
  kind: MediaKindSchema,
  contentType: z.string().nullable(),
  filename: z.string().nullable(),
  sizeBytes: z.number().int().nullable(),
  /** The stored object's id (attachments by media id only): what a provider's reference is kept by. */
  mediaId: z.string().optional(),
  /**
   * The provider's own reference to this object on this channel (a WhatsApp media id, a Telegram
   * file_id), when it holds one: the adapter sends it instead of the URL.
   */
  providerRef: z.string().optional(),
  /** E-mail: the Content-ID of an inline part. */
  cid: z.string().optional(),
});
export type DispatchAttachment = z.infer<typeof DispatchAttachment>;

const EXTENSION_KINDS: Record<string, MediaKind> = {
  jpg: "image",
  jpeg: "image",
  png: "image",
  webp: "image",
  gif: "image",
  mp4: "video",
  "3gp": "video",
  mp3: "audio",
  ogg: "audio",
  aac: "audio",
  m4a: "audio",
  amr: "audio",
};

/** The kind of a URL attachment: as declared, else by its path's extension, else a document. */
export function urlAttachmentKind(url: string, declared?: MediaKind): MediaKind {
  if (declared) return declared;
  const ext = /\.([A-Za-z0-9]{1,5})$/.exec(new URL(url).pathname)?.[1]?.toLowerCase();
  return (ext && EXTENSION_KINDS[ext]) || "document";
}

export { mediaKindOf };
