/**
 * Inbound e-mail: the raw MIME message an inbound-parse webhook posts, either as the body
 * (`message/rfc822`) or as a field of a multipart form (`email` from SendGrid's Inbound Parse with
 * "POST the raw, full MIME message", `body-mime` from a Mailgun route forwarding to a URL ending
 * in "mime"), read into one inbound message: the sender's address, the subject and text body as
 * its text, and every attachment and inline part (by Content-ID) as a media entry whose bytes
 * travel beside it (CarriedInbound), since the provider keeps no copy to fetch later.
 */

import { createHash } from "node:crypto";
import { simpleParser, type AddressObject } from "mailparser";
import { htmlToText } from "../../core/content/html-to-text.js";
import { INBOUND_MEDIA_KEY, type InboundMedia } from "../../core/media/inbound-media.js";
import { mediaKindOf } from "../../core/media/limits.js";
import { inboundMessage } from "../../core/messages/vocabulary.js";
import { header, type CarriedInbound, type WebhookRequest } from "../contract/types.js";

/**
 * The largest inbound e-mail request taken: SendGrid's Inbound Parse refuses messages over 30 MB
 * (attachments included), so a bigger one cannot come from it.
 * Docs: https://www.twilio.com/docs/sendgrid/for-developers/parsing-email/setting-up-the-inbound-parse-webhook
 */
export const INBOUND_MAIL_MAX_BYTES = 30 * 1024 * 1024;

/** The stored text keeps at most this much of subject and body; a longer mail is cut and says so. */
export const INBOUND_MAIL_TEXT_MAX_CHARS = 64 * 1024;

/** The form fields that carry the raw MIME message, in the order they are looked for. */
const RAW_MIME_FIELDS = ["email", "body-mime"] as const;

/** Whether the request posts an e-mail (rather than a bounce or complaint notification). */
export function isInboundMail(req: WebhookRequest): boolean {
  const type = (header(req, "content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  return type === "message/rfc822" || type === "multipart/form-data";
}

/** The raw MIME message of the request, or undefined when it carries none. */
export async function rawMimeOf(req: WebhookRequest): Promise<Buffer | undefined> {
  const contentType = header(req, "content-type") ?? "";
  const bytes = req.rawBytes ?? Buffer.from(req.rawBody, "utf8");
  if (/^\s*message\/rfc822/i.test(contentType)) return bytes.length > 0 ? bytes : undefined;
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(bytes), { headers: { "content-type": contentType } }).formData();
  } catch {
    return undefined;
  }
  for (const name of RAW_MIME_FIELDS) {
    const field = form.get(name);
    if (typeof field === "string" && field !== "") return Buffer.from(field, "utf8");
    if (field && typeof field === "object") return Buffer.from(await field.arrayBuffer());
  }
  return undefined;
}

function firstAddress(list: AddressObject | AddressObject[] | undefined): { address: string; name: string } | null {
  const first = (Array.isArray(list) ? list : list ? [list] : []).flatMap((a) => a.value)[0];
  return first?.address ? { address: first.address.toLowerCase(), name: first.name } : null;
}

const bare = (id: string) => id.trim().replace(/^<|>$/g, "");

/** One inbound message read from a raw MIME message; none when it names no sender. */
export async function readInboundMail(raw: Buffer): Promise<CarriedInbound[]> {
  const mail = await simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true, keepCidLinks: true });
  const from = firstAddress(mail.from);
  if (!from) return [];
  const subject = mail.subject?.trim() ?? "";
  const body = (mail.text ?? (typeof mail.html === "string" ? htmlToText(mail.html) : "")).trim();
  const whole = [subject, body].filter((s) => s !== "").join("\n\n");
  const truncated = whole.length > INBOUND_MAIL_TEXT_MAX_CHARS;
  const attachments = mail.attachments;
  const media = attachments.map((a, i): InboundMedia & { cid: string | null; inline: boolean } => ({
    ref: a.cid ? `cid:${a.cid}` : `part:${i + 1}`,
    kind: mediaKindOf(a.contentType),
    mimeType: a.contentType,
    filename: a.filename ?? null,
    cid: a.cid ?? null,
    // Shown within the HTML (a part of multipart/related) or marked inline by the sender.
    inline: a.related || a.contentDisposition === "inline",
  }));
  // Message-ID is what a reply names; a mail without one is keyed by its bytes, so a redelivery
  // of the same mail is still recognised.
  const providerMessageId = mail.messageId
    ? bare(mail.messageId)
    : `sha256:${createHash("sha256").update(raw).digest("hex")}`;
  const references = typeof mail.references === "string" ? [mail.references] : (mail.references ?? []);
  const message = inboundMessage({
    providerMessageId,
    from: from.address,
    to: firstAddress(mail.to)?.address ?? null,
    text: truncated ? whole.slice(0, INBOUND_MAIL_TEXT_MAX_CHARS) : whole,
    contentType: whole === "" && media.length > 0 ? media[0]!.kind : "text",
    metadata: {
      subject,
      ...(from.name ? { name: from.name } : {}),
      ...(mail.inReplyTo ? { in_reply_to: bare(mail.inReplyTo) } : {}),
      ...(references.length > 0 ? { references: references.map(bare) } : {}),
      ...(truncated ? { truncated: true } : {}),
      ...(media.length > 0 ? { [INBOUND_MEDIA_KEY]: media } : {}),
    },
  });
  return [{ message, media: attachments.map((a) => a.content) }];
}
