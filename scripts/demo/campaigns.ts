/**
 * The demo's campaigns: one on each of three channel types, each with the content its channel
 * type is for — plain text over SMPP to every contact, an approved WhatsApp template whose
 * parameters the contact's name fills, and an e-mail with a subject, an HTML part and the text
 * part derived from it, and an image with a caption over Telegram (the bytes put on the provider
 * once, every later message naming the file_id) — and how the summary shows what the provider
 * received for them.
 */

import type { ReceivedMessage } from "../../services/simulator/received.js";

export interface DemoCampaign {
  /** The channel's label in demoChannels. */
  channel: string;
  /** Which share of the imported contacts it goes to: all of them, or the first `n`. */
  recipients: "all" | number;
  /** The template (POST /v1/templates without account and name): body and channel parts. */
  template: Record<string, unknown>;
  /** Checks one received message of this campaign; returns what is wrong with it, or null. */
  problem(r: ReceivedMessage): string | null;
  /** Sends the demo's image (uploaded once through POST /v1/media) with every message. */
  image?: boolean;
}

/** The approved Meta template the WhatsApp campaign maps to. */
export const DEMO_WHATSAPP_TEMPLATE = { name: "turumba_demo_offer", language: "en" };

export function demoCampaigns(sideRecipients: number): DemoCampaign[] {
  return [
    {
      channel: "smpp",
      recipients: "all",
      template: { body: "Hi {FIRST_NAME}, this is the Turumba demo campaign." },
      problem: (r) => (r.text?.startsWith("Hi ") ? null : `SMS text "${r.text ?? ""}"`),
    },
    {
      // Nobody on the list wrote in: the care window is closed, so the mapped template goes.
      channel: "whatsapp",
      recipients: sideRecipients,
      template: {
        body: "Hi {FIRST_NAME}, this is the Turumba demo campaign.",
        whatsapp: { ...DEMO_WHATSAPP_TEMPLATE, components: [{ type: "body", parameters: ["FIRST_NAME"] }] },
      },
      problem: (r) =>
        r.type === "template" &&
        r.template?.name === DEMO_WHATSAPP_TEMPLATE.name &&
        (r.template.components[0]?.parameters[0] ?? "") !== ""
          ? null
          : `WhatsApp ${r.type ?? "?"} ${r.template?.name ?? ""}`.trim(),
    },
    {
      // An image with its caption: the provider fetches our signed link once and answers a
      // file_id, which every later message of the campaign names instead.
      channel: "telegram",
      recipients: sideRecipients,
      image: true,
      template: { body: "Hi {FIRST_NAME}, here is this month's Turumba poster." },
      problem: (r) =>
        r.media?.length === 1 && r.media[0]!.sha256 !== null && r.text?.startsWith("Hi ")
          ? null
          : `Telegram ${r.media?.[0]?.error ?? (r.media ? `${r.media.length} media` : "no image")}`,
    },
    {
      channel: "email",
      recipients: sideRecipients,
      template: {
        body: "Hi {FIRST_NAME}, this is the Turumba demo campaign.",
        email: {
          subject: "Your Turumba demo, {FIRST_NAME}",
          html: "<h1>Hi {FIRST_NAME}</h1><p>This is the <b>Turumba</b> demo campaign.</p>",
        },
      },
      problem: (r) =>
        r.subject?.startsWith("Your Turumba demo, ") && r.html?.includes("<h1>Hi ") && r.text
          ? null
          : `e-mail subject "${r.subject ?? ""}", ${r.html ? "HTML" : "no HTML"}`,
    },
  ];
}

const quote = (s: string | null | undefined, max = 48) =>
  s === null || s === undefined ? "none" : `"${s.length > max ? `${s.slice(0, max - 1)}…` : s}"`;

/** One line of what a provider received, as the summary prints it. */
export function describeReceived(r: ReceivedMessage): string {
  if (r.provider === "whatsapp" && r.template)
    return `template ${r.template.name} (${r.template.language ?? "?"}), parameters ${r.template.components
      .flatMap((c) => c.parameters)
      .map((p) => quote(p))
      .join(", ")}`;
  if (r.provider === "smtp")
    return `subject ${quote(r.subject)}, HTML ${quote(r.html, 40)}, text ${quote(r.text?.replace(/\s+/g, " "), 40)}`;
  if (r.provider === "smpp")
    return `${r.encoding ?? "?"}, ${r.segments ?? 1} segment${r.segments === 1 ? "" : "s"}${r.udh ? " (UDH)" : ""}: ${quote(r.text)}`;
  const media = r.media?.[0];
  if (media)
    return `${media.kind} of ${media.bytes ?? "?"} bytes ${media.id ? "by file_id" : "by URL"}, caption ${quote(r.text)}`;
  return quote(r.text);
}

/** A PNG-signed image of `size` bytes: what the image campaign sends (its type is sniffed from the bytes). */
export function demoImage(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) b[i] = i & 0xff;
  Buffer.from("89504e470d0a1a0a0000000d49484452", "hex").copy(b);
  return b;
}
