import { describe, expect, it } from "vitest";
import { effectiveOptions, isOptionOf, legacyOptions, optionsSchemaFor } from "./channel-options.js";
import { insideCareWindow, whatsappSendPlan } from "./care-window.js";

const issuesOf = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (r.error?.issues ?? []).map((i) => ({ path: i.path.join("."), message: i.message }));

describe("channel options per channel type", () => {
  it("accept each type's own options", () => {
    expect(
      optionsSchemaFor("email").safeParse({
        subject: "Hi",
        html: "<p>x</p>",
        text: "x",
        reply_to: "help@example.org",
        headers: { "X-Campaign": "spring" },
      }).success,
    ).toBe(true);
    expect(
      optionsSchemaFor("whatsapp").safeParse({
        template: {
          name: "order_update",
          language: "en_US",
          components: [
            { type: "body", parameters: [{ type: "text", text: "42" }] },
            { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: "abc" }] },
          ],
        },
        preview_url: true,
      }).success,
    ).toBe(true);
    expect(
      optionsSchemaFor("telegram").safeParse({
        parse_mode: "HTML",
        inline_buttons: [[{ text: "Open", url: "https://x.test" }], [{ text: "Yes", callback_data: "yes" }]],
      }).success,
    ).toBe(true);
    expect(
      optionsSchemaFor("messenger").safeParse({ messaging_type: "MESSAGE_TAG", tag: "ACCOUNT_UPDATE" }).success,
    ).toBe(true);
  });

  it("refuse other types' options and name the key", () => {
    const r = optionsSchemaFor("sms").safeParse({ subject: "Hi" });
    expect(r.success).toBe(false);
    expect(isOptionOf("sms", "subject")).toBe(false);
    expect(isOptionOf("email", "subject")).toBe(true);
  });

  it.each([
    ["email", { subject: "a\r\nBcc: x@y.z" }, "subject", "must be a single line"],
    ["email", { headers: { Subject: "x" } }, "headers.Subject", "this header is set by the platform"],
    ["email", { reply_to: "nope" }, "reply_to", "must be an e-mail address"],
    ["whatsapp", { template: { name: "Hello World", language: "en" } }, "template.name", "lowercase"],
    ["whatsapp", { template: { name: "t", language: "english" } }, "template.language", "language code"],
    [
      "whatsapp",
      { template: { name: "t", language: "en", components: [{ type: "button", parameters: [] }] } },
      "template.components.0.sub_type",
      "sub_type and index",
    ],
    ["telegram", { parse_mode: "BBCode" }, "parse_mode", ""],
    [
      "telegram",
      { inline_buttons: [[{ text: "x", callback_data: "é".repeat(33) }]] },
      "inline_buttons.0.0.callback_data",
      "64 bytes",
    ],
    ["messenger", { messaging_type: "MESSAGE_TAG" }, "tag", "needs a tag"],
  ] as const)("%s: %j is refused at %s", (type, input, path, message) => {
    const r = optionsSchemaFor(type).safeParse(input);
    expect(r.success).toBe(false);
    const first = issuesOf(r)[0]!;
    expect(first.path).toBe(path);
    expect(first.message).toContain(message);
  });
});

describe("attachments per channel type", () => {
  const media = (n: number) => Array.from({ length: n }, (_, i) => ({ url: `https://cdn.example/${i}.jpg` }));

  it("a Telegram message takes up to 10 (an album), WhatsApp and Messenger one", () => {
    expect(optionsSchemaFor("telegram").safeParse({ attachments: media(10) }).success).toBe(true);
    expect(issuesOf(optionsSchemaFor("telegram").safeParse({ attachments: media(11) }))).toEqual([
      { path: "attachments", message: "at most 10 attachments per message on this channel type" },
    ]);
    expect(optionsSchemaFor("whatsapp").safeParse({ attachments: media(2) }).success).toBe(false);
    expect(optionsSchemaFor("messenger").safeParse({ attachments: media(2) }).success).toBe(false);
  });

  it("inline buttons go with one Telegram attachment, not with an album", () => {
    const buttons = [[{ text: "Open", url: "https://example.org" }]];
    expect(optionsSchemaFor("telegram").safeParse({ inline_buttons: buttons, attachments: media(1) }).success).toBe(
      true,
    );
    expect(
      issuesOf(optionsSchemaFor("telegram").safeParse({ inline_buttons: buttons, attachments: media(2) })),
    ).toEqual([
      {
        path: "inline_buttons",
        message: "inline_buttons go with at most one attachment (a Telegram album takes no buttons)",
      },
    ]);
  });
});

describe("options older clients put in metadata", () => {
  it("are read per channel type; html: true meant the body is HTML", () => {
    const metadata = { subject: "Hi", html: true, parse_mode: "HTML", note: "kept", last_inbound_at: "x" };
    expect(legacyOptions("email", metadata)).toEqual({ subject: "Hi", is_html: true });
    expect(legacyOptions("telegram", metadata)).toEqual({ parse_mode: "HTML" });
    expect(legacyOptions("sms", metadata)).toEqual({});
  });

  it("stored options win over them, and invalid legacy values are left out", () => {
    expect(
      effectiveOptions("email", { subject: "old", reply_to: "not-an-address" }, { subject: "new", html: "<p>x</p>" }),
    ).toEqual({ subject: "new", html: "<p>x</p>" });
    expect(effectiveOptions("whatsapp", { template: { name: "hello_world", language: "en_US" } }, {})).toEqual({
      template: { name: "hello_world", language: "en_US" },
    });
    // Options of another channel type stored by mistake never reach the adapter.
    expect(effectiveOptions("sms", {}, { subject: "x" })).toEqual({});
  });
});

describe("the customer-care window", () => {
  const now = new Date("2026-03-10T12:00:00Z");
  const template = { name: "hello_world", language: "en_US" };

  it("is open for 24 hours after the last inbound message", () => {
    expect(insideCareWindow("2026-03-09T12:00:01Z", now)).toBe(true);
    expect(insideCareWindow(new Date("2026-03-09T12:00:00Z"), now)).toBe(false);
    expect(insideCareWindow(null, now)).toBe(false);
    expect(insideCareWindow("garbage", now)).toBe(false);
  });

  it("decides text, template or refusal", () => {
    const open = "2026-03-10T11:00:00Z";
    const closed = "2026-03-01T11:00:00Z";
    expect(whatsappSendPlan({}, open, now)).toEqual({ kind: "text" });
    expect(whatsappSendPlan({ outside_window_template: template }, open, now)).toEqual({ kind: "text" });
    expect(whatsappSendPlan({ outside_window_template: template }, closed, now)).toEqual({
      kind: "template",
      template,
    });
    expect(whatsappSendPlan({ template }, open, now)).toEqual({ kind: "template", template });
    expect(whatsappSendPlan({}, closed, now)).toMatchObject({ kind: "refuse", code: "outside_care_window" });
    expect(whatsappSendPlan({}, null, now)).toMatchObject({ kind: "refuse" });
  });
});
