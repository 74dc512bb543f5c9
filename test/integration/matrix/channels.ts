/**
 * The matrix's table of channels: every channel type (SMS once per HTTP provider), built on the
 * demo's channels (credentials the simulator signs with, address plans, where receipts go), plus
 * what a matrix cell needs per channel: the text and channel options a message carries, the
 * template a campaign renders, how a contact column holds the address, how the provider names
 * the addressee, what the provider must have received, and how the customer writes in first.
 */

import { expect } from "vitest";
import { demoChannels, type DemoChannel } from "../../../scripts/demo/channels.js";
import type { ReceivedMessage } from "../../../services/simulator/received.js";

export { simulatorWebhooks } from "../../../scripts/demo/channels.js";

/** Fields the provider must have received (values or matchers); absent fields are not checked. */
export type Expected = { [K in keyof ReceivedMessage]?: unknown };

/** A message as a cell sends it: its text, its channel options, and what the provider gets. */
export interface Content {
  body: string;
  options: Record<string, unknown>;
  want: Expected;
}

export interface MatrixChannel extends DemoChannel {
  /** The contact-group CSV column that holds this channel's address. */
  csvColumn: "phone" | "email" | "telegram_chat_id" | "messenger_psid";
  /** How the provider's API names the addressee (the simulator records it so). */
  simTo(address: string): string;
  /** A single, scheduled or recurring message, made unique by `tag`. */
  send(tag: string): Content;
  /** The reply to an inbound message. */
  reply(tag: string): Content;
  campaign: {
    /** The template: its body and channel parts, with {FIRST_NAME} and {ORDER} filled per send. */
    template: Record<string, unknown>;
    /** Options on the group message itself. */
    options: Record<string, unknown>;
    want(firstName: string, order: string): Expected;
  };
  /** How this channel's customer writes in (simulator inbound), or "seeded" where no inbound path exists. */
  inbound: { provider: string; token?: string } | "seeded";
  /** What a reply to the inbound message with this provider id carries to thread it the provider's way. */
  thread(inboundId: string): Expected;
}

/** The variable every campaign fills from its custom values. */
export const ORDER = "ORDER";
/** The approved WhatsApp template the matrix sends: its body takes a name and an order. */
export const WHATSAPP_TEMPLATE = { name: "order_update", language: "en" };

/** A WhatsApp template as received, with these body parameters. */
export function whatsappTemplate(parameters: string[]): Expected {
  return {
    type: "template",
    template: { ...WHATSAPP_TEMPLATE, components: [{ type: "body", parameters }] },
  };
}

const plus = (a: string) => a.replace(/^\+/, "");
const same = (a: string) => a;
const text = (body: string, extra: Expected = {}): Content => ({ body, options: {}, want: { text: body, ...extra } });

/** The SMS providers: their only content is the text. */
function sms(base: DemoChannel, simTo: (a: string) => string, inboundToken?: string): MatrixChannel {
  return {
    ...base,
    csvColumn: "phone",
    simTo,
    send: (tag) => text(`${tag} is on its way`),
    reply: (tag) => text(`${tag}: on its way`),
    campaign: {
      template: { body: `{FIRST_NAME}, order {${ORDER}} is on its way` },
      options: {},
      want: (first, order) => ({ text: `${first}, order ${order} is on its way` }),
    },
    inbound: { provider: base.simProvider, ...(inboundToken ? { token: inboundToken } : {}) },
    thread: () => ({}),
  };
}

export function matrixChannels(sim: { smppPort: number; smtpPort: number }): MatrixChannel[] {
  const demo = new Map(demoChannels(sim).map((c) => [c.label, c]));
  const of = (label: string) => demo.get(label)!;
  const credential = (label: string, field: string) =>
    String((of(label).body.credentials as Record<string, unknown>)[field]);

  const buttons = [[{ text: "Track", url: "https://example.test/track" }]];
  const telegramOptions = { parse_mode: "HTML", inline_buttons: buttons };
  const telegramFormatted = { parseMode: "HTML", buttons };
  const messengerTag = { messaging_type: "MESSAGE_TAG", tag: "POST_PURCHASE_UPDATE" };
  const messengerTagged = { messagingType: "MESSAGE_TAG", tag: "POST_PURCHASE_UPDATE" };
  // Amharic needs UCS-2, 67 characters a segment once concatenated: these travel as two segments.
  // (74–78 characters with the tags and names used here, well short of three segments' 201).
  const amharic = (head: string) => `${head}፦ ትዕዛዝዎ ተልኳል። ነገ ይደርሳል። ስለመረጡን እናመሰግናለን። በሰላም ይቀበሉ። መልካም ቀን ይሁንልዎ።`;
  const twoUcs2Segments = { encoding: "ucs2", dataCoding: 8, segments: 2, udh: true };

  return [
    {
      ...of("telegram"),
      csvColumn: "telegram_chat_id",
      simTo: same,
      send: (tag) => ({
        body: `<b>${tag}</b> is on its way`,
        options: telegramOptions,
        want: { text: `<b>${tag}</b> is on its way`, ...telegramFormatted },
      }),
      reply: (tag) => text(`${tag}: on its way`, { parseMode: null }),
      campaign: {
        template: { body: `<b>{FIRST_NAME}</b>, order {${ORDER}} is on its way` },
        options: telegramOptions,
        want: (first, order) => ({ text: `<b>${first}</b>, order ${order} is on its way`, ...telegramFormatted }),
      },
      inbound: { provider: "telegram", token: credential("telegram", "bot_token") },
      // Telegram's inbound id is chat:message; the reply names the message.
      thread: (inboundId) => ({ replyToMessageId: inboundId.split(":").at(-1) }),
    },
    {
      ...of("whatsapp"),
      csvColumn: "phone",
      simTo: plus,
      // Nobody wrote in first, so the customer-care window is closed: an approved template.
      send: (tag) => ({
        body: `${tag} is on its way`,
        options: {
          template: {
            ...WHATSAPP_TEMPLATE,
            components: [
              {
                type: "body",
                parameters: [
                  { type: "text", text: "Abebe" },
                  { type: "text", text: tag },
                ],
              },
            ],
          },
        },
        want: whatsappTemplate(["Abebe", tag]),
      }),
      // The customer's own message opened the window: free-form text.
      reply: (tag) => text(`${tag}: on its way`, { type: "text", template: null }),
      // The recipients never wrote in: the template's WhatsApp mapping goes, filled per contact.
      campaign: {
        template: {
          body: `{FIRST_NAME}, order {${ORDER}} is on its way`,
          whatsapp: { ...WHATSAPP_TEMPLATE, components: [{ type: "body", parameters: ["FIRST_NAME", ORDER] }] },
        },
        options: {},
        want: (first, order) => whatsappTemplate([first, order]),
      },
      inbound: { provider: "whatsapp" },
      thread: (inboundId) => ({ contextMessageId: inboundId }),
    },
    {
      ...of("messenger"),
      csvColumn: "messenger_psid",
      simTo: same,
      send: (tag) => ({
        body: `${tag} is on its way`,
        options: messengerTag,
        want: { text: `${tag} is on its way`, ...messengerTagged },
      }),
      // A reply answers the customer: RESPONSE, no tag.
      reply: (tag) => text(`${tag}: on its way`, { messagingType: "RESPONSE", tag: null }),
      campaign: {
        template: { body: `{FIRST_NAME}, order {${ORDER}} is on its way` },
        options: messengerTag,
        want: (first, order) => ({ text: `${first}, order ${order} is on its way`, ...messengerTagged }),
      },
      inbound: { provider: "messenger" },
      thread: () => ({}),
    },
    sms(of("sms/twilio"), same, credential("sms/twilio", "auth_token")),
    sms(of("sms/africastalking"), same),
    sms(of("sms/vonage"), plus),
    {
      ...of("smpp"),
      csvColumn: "phone",
      simTo: plus,
      send: (tag) => text(amharic(tag), twoUcs2Segments),
      reply: (tag) => text(amharic(tag), twoUcs2Segments),
      campaign: {
        template: { body: amharic(`{FIRST_NAME} {${ORDER}}`) },
        options: {},
        want: (first, order) => ({ text: amharic(`${first} ${order}`), ...twoUcs2Segments }),
      },
      inbound: { provider: "smpp" },
      thread: () => ({}),
    },
    {
      ...of("email"),
      csvColumn: "email",
      simTo: same,
      send: (tag) => ({
        body: `${tag}: your order is on its way.`,
        options: {
          subject: `Order ${tag}`,
          html: `<h1>Order ${tag}</h1><p>Your order is on its way.</p>`,
          reply_to: "care@example.test",
        },
        want: {
          subject: `Order ${tag}`,
          html: `<h1>Order ${tag}</h1><p>Your order is on its way.</p>`,
          text: `${tag}: your order is on its way.`,
          replyTo: "care@example.test",
        },
      }),
      reply: (tag) => ({
        body: `${tag}: your order is on its way.`,
        options: { subject: "Re: your order" },
        want: { subject: "Re: your order", text: `${tag}: your order is on its way.`, html: null },
      }),
      campaign: {
        template: {
          body: `{FIRST_NAME}, order {${ORDER}} is on its way.`,
          email: {
            subject: `Order {${ORDER}} for {FIRST_NAME}`,
            html: `<h1>Hello {FIRST_NAME}</h1><p>Order {${ORDER}} is on its way.</p>`,
          },
        },
        options: {},
        // No text part in the template: it is derived from the HTML.
        want: (first, order) => ({
          subject: `Order ${order} for ${first}`,
          html: `<h1>Hello ${first}</h1><p>Order ${order} is on its way.</p>`,
          text: expect.stringContaining(`Order ${order} is on its way.`),
        }),
      },
      inbound: "seeded",
      thread: (inboundId) => ({ inReplyTo: inboundId, references: expect.stringContaining(inboundId) }),
    },
  ];
}
