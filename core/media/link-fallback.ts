/**
 * The link fallback of channels whose provider sends no media (SMPP, Africa's Talking, Vonage):
 * chosen per channel, a message's attachments either fail it (`refuse`, permanent
 * media_not_supported) or become links appended to its text (`link`), each on a line of its own,
 * so the recipient's phone shows them as tappable URLs. A stored object's link is the signed,
 * short-lived one the provider would otherwise have fetched (MEDIA_LINK_TTL_SECONDS).
 */

export const MEDIA_FALLBACKS = ["refuse", "link"] as const;
export type MediaFallback = (typeof MEDIA_FALLBACKS)[number];

/** The text with a line per attachment URL after it (the text alone when there are none). */
export function textWithLinks(text: string, attachments: readonly { url: string }[]): string {
  const links = attachments.map((a) => a.url);
  if (links.length === 0) return text;
  return [text.trimEnd(), ...links].filter((line) => line !== "").join("\n");
}
