/**
 * The demo's campaigns: one on each of three channel types, each with the content its channel
 * type is for — plain text over SMPP to every contact, an approved WhatsApp template whose
 * parameters the contact's name fills, and an e-mail with a subject, an HTML part and the text
 * part derived from it — and how the summary shows what the provider received for them.
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
  return quote(r.text);
}
