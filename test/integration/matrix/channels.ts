/**
 * The matrix's table of channels: every channel type (SMS once per HTTP provider), built on the
 * demo's channels (credentials the simulator signs with, address plans, where receipts go), plus
 * what a matrix cell needs per channel: the options a message carries, how a contact column holds
 * its address, how the provider names the addressee, what the provider must have received, and
 * how the channel's customer writes in first for a reply.
 */

import { expect } from "vitest";
import { demoChannels, type DemoChannel } from "../../../scripts/demo/channels.js";
import type { ReceivedMessage } from "../../../services/simulator/received.js";

export { simulatorWebhooks } from "../../../scripts/demo/channels.js";

/** What one addressee of a cell should see. */
export interface Expected {
  text: string;
  /** WhatsApp: the template's parameters in order, when a template was sent. */
  templateParameters?: string[];
}

export interface MatrixChannel extends DemoChannel {
  /** The contact-group CSV column that holds this channel's address. */
  csvColumn: "phone" | "email" | "telegram_chat_id" | "messenger_psid";
  /** How the provider's API names the addressee (the simulator records it so). */
  simTo(address: string): string;
  /** The message text a cell sends, from a tag that makes it unique. */
  text(tag: string): string;
  /** Channel options every outbound cell carries. */
  options: Record<string, unknown>;
  /** Checks what the provider received for one addressee of an outbound cell. */
  check(r: ReceivedMessage, want: Expected): void;
  /** How this channel's customer writes in (simulator inbound), or "seeded" where no inbound path exists. */
  inbound: { provider: string; token?: string } | "seeded";
  /** Checks that the reply to `inboundProviderId` is threaded the provider's way. */
  checkReply(r: ReceivedMessage, want: Expected, inboundProviderId: string): void;
}

const plus = (a: string) => a.replace(/^\+/, "");
const same = (a: string) => a;

/** A WhatsApp template approved at Meta, as a message names it in its options. */
export const WHATSAPP_TEMPLATE = { name: "order_update", language: "en" };

function extend(base: DemoChannel, extra: Omit<MatrixChannel, keyof DemoChannel>): MatrixChannel {
  return { ...base, ...extra };
}

export function matrixChannels(sim: { smppPort: number; smtpPort: number }): MatrixChannel[] {
  const demo = new Map(demoChannels(sim).map((c) => [c.label, c]));
  const of = (label: string) => demo.get(label)!;
  const plainText = (r: ReceivedMessage, want: Expected) => expect(r.text).toBe(want.text);
  return [
    extend(of("telegram"), {
      csvColumn: "telegram_chat_id",
      simTo: same,
      text: (tag) => `<b>${tag}</b> is on its way`,
      options: { parse_mode: "HTML" },
      check: (r, want) => expect(r).toMatchObject({ text: want.text, parseMode: "HTML" }),
      inbound: {
        provider: "telegram",
        token: String((of("telegram").body.credentials as { bot_token: string }).bot_token),
      },
      checkReply: (r, want, inboundId) =>
        expect(r).toMatchObject({ text: want.text, replyToMessageId: inboundId.split(":").at(-1) }),
    }),
    extend(of("whatsapp"), {
      csvColumn: "phone",
      simTo: plus,
      text: (tag) => `${tag} is on its way`,
      options: {
        template: {
          ...WHATSAPP_TEMPLATE,
          components: [{ type: "body", parameters: [{ type: "text", text: "Abebe" }] }],
        },
      },
      check: (r, want) =>
        expect(r).toMatchObject({
          type: "template",
          template: {
            ...WHATSAPP_TEMPLATE,
            components: [{ type: "body", parameters: want.templateParameters ?? ["Abebe"] }],
          },
        }),
      inbound: { provider: "whatsapp" },
      checkReply: (r, want, inboundId) =>
        expect(r).toMatchObject({ type: "text", text: want.text, contextMessageId: inboundId }),
    }),
    extend(of("messenger"), {
      csvColumn: "messenger_psid",
      simTo: same,
      text: (tag) => `${tag} is on its way`,
      options: { messaging_type: "MESSAGE_TAG", tag: "POST_PURCHASE_UPDATE" },
      check: (r, want) =>
        expect(r).toMatchObject({ text: want.text, messagingType: "MESSAGE_TAG", tag: "POST_PURCHASE_UPDATE" }),
      inbound: { provider: "messenger" },
      checkReply: (r, want) => expect(r).toMatchObject({ text: want.text, messagingType: "RESPONSE", tag: null }),
    }),
    ...(["sms/twilio", "sms/africastalking", "sms/vonage"] as const).map((label) =>
      extend(of(label), {
        csvColumn: "phone",
        simTo: label === "sms/vonage" ? plus : same,
        text: (tag: string) => `${tag} is on its way`,
        options: {},
        check: plainText,
        inbound: {
          provider: of(label).simProvider,
          ...(label === "sms/twilio"
            ? { token: String((of(label).body.credentials as { auth_token: string }).auth_token) }
            : {}),
        },
        checkReply: plainText,
      }),
    ),
    extend(of("smpp"), {
      csvColumn: "phone",
      simTo: plus,
      // Amharic needs UCS-2: 70 characters a message, so this one travels as two UDH segments.
      text: (tag) => `${tag}: ትዕዛዝዎ ተልኳል። ነገ ይደርሳል። ስለመረጡን እናመሰግናለን። `.repeat(2).trim(),
      options: {},
      check: (r, want) =>
        expect(r).toMatchObject({ text: want.text, encoding: "ucs2", dataCoding: 8, segments: 2, udh: true }),
      inbound: { provider: "smpp" },
      checkReply: plainText,
    }),
    extend(of("email"), {
      csvColumn: "email",
      simTo: same,
      text: (tag) => `<h1>${tag}</h1><p>Your order is on its way.</p>`,
      options: { subject: "Your order is on its way", is_html: true },
      check: (r, want) =>
        expect(r).toMatchObject({
          subject: "Your order is on its way",
          html: want.text,
          text: expect.stringContaining("Your order is on its way."),
        }),
      inbound: "seeded",
      checkReply: (r, want, inboundId) =>
        expect(r).toMatchObject({
          html: want.text,
          inReplyTo: inboundId,
          references: expect.stringContaining(inboundId),
        }),
    }),
  ];
}
