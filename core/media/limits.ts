/**
 * How large a media object each channel type may send, by kind, from the providers' own
 * documentation (the link above each). An upload names the channel type it is meant for to be
 * checked against these before anything is stored; a send checks them again.
 */

import type { ChannelType } from "../messages/vocabulary.js";

export const MEDIA_KINDS = ["image", "document", "audio", "video"] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

const MB = 1024 * 1024;

/** Bytes per kind; 0 = the channel type carries no media of that kind. */
export type MediaLimits = Record<MediaKind, number>;

export const MEDIA_LIMITS: Record<ChannelType, MediaLimits> = {
  // https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#supported-media-types
  // image 5 MB, document 100 MB, audio 16 MB, video 16 MB.
  whatsapp: { image: 5 * MB, document: 100 * MB, audio: 16 * MB, video: 16 * MB },
  // https://core.telegram.org/bots/api#sending-files — 50 MB for files a bot uploads (10 MB for
  // photos sent by URL, 5 MB for other files by URL: those are checked on the URL path).
  telegram: { image: 10 * MB, document: 50 * MB, audio: 50 * MB, video: 50 * MB },
  // https://developers.facebook.com/docs/messenger-platform/send-messages/#file-attachments
  // 25 MB for any attachment type.
  messenger: { image: 25 * MB, document: 25 * MB, audio: 25 * MB, video: 25 * MB },
  // https://www.twilio.com/docs/messaging/guides/accepted-mime-types — MMS messages up to 5 MB
  // in total (Twilio is the SMS channel type's media-capable provider).
  sms: { image: 5 * MB, document: 5 * MB, audio: 5 * MB, video: 5 * MB },
  // SMPP (SMPP 3.4 submit_sm) carries text only: media go as a link or are refused, per channel.
  smpp: { image: 0, document: 0, audio: 0, video: 0 },
  // https://support.google.com/mail/answer/6584 — 25 MB per message, attachments included
  // (Microsoft 365 and most relays use a similar ceiling); base64 adds a third, so ~18 MB raw.
  email: { image: 18 * MB, document: 18 * MB, audio: 18 * MB, video: 18 * MB },
};

/** The kind a sniffed content type is sent as: image/audio/video by family, anything else a document. */
export function mediaKindOf(contentType: string): MediaKind {
  const family = contentType.split("/")[0];
  if (family === "image" || family === "audio" || family === "video") return family;
  return "document";
}

/** The limit for a content type on a channel type. */
export function mediaLimit(channelType: ChannelType, contentType: string): number {
  return MEDIA_LIMITS[channelType][mediaKindOf(contentType)];
}
