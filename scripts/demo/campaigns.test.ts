import { describe, expect, it } from "vitest";
import type { ReceivedMessage } from "../../services/simulator/received.js";
import { DEMO_WHATSAPP_TEMPLATE, demoCampaigns, describeReceived } from "./campaigns.js";

const base = { id: "x", to: "a", at: "2026-01-01T00:00:00.000Z" };
const campaign = (channel: string) => demoCampaigns(10).find((c) => c.channel === channel)!;

describe("demo campaigns", () => {
  it("go out on SMPP, WhatsApp, Telegram (with the image) and e-mail, the smaller ones to the side group", () => {
    expect(demoCampaigns(10).map((c) => [c.channel, c.recipients, c.image === true])).toEqual([
      ["smpp", "all", false],
      ["whatsapp", 10, false],
      ["telegram", 10, true],
      ["email", 10, false],
    ]);
  });

  it("the image campaign wants one image with its caption in every message", () => {
    const photo = { kind: "photo", id: "f1", sha256: "ab", bytes: 200_000, contentType: "image/png" };
    const sent: ReceivedMessage = { ...base, provider: "telegram", text: "Hi Person1, here is …", media: [photo] };
    expect(campaign("telegram").problem(sent)).toBeNull();
    expect(campaign("telegram").problem({ ...sent, media: undefined })).toBe("Telegram no image");
    expect(campaign("telegram").problem({ ...sent, media: [{ ...photo, sha256: null, error: "HTTP 404" }] })).toBe(
      "Telegram HTTP 404",
    );
    expect(describeReceived(sent)).toBe('photo of 200000 bytes by file_id, caption "Hi Person1, here is …"');
  });

  it("accept what their provider should receive and name what is wrong otherwise", () => {
    const template: ReceivedMessage = {
      ...base,
      provider: "whatsapp",
      type: "template",
      template: { ...DEMO_WHATSAPP_TEMPLATE, components: [{ type: "body", parameters: ["Person1"] }] },
    };
    expect(campaign("whatsapp").problem(template)).toBeNull();
    expect(campaign("whatsapp").problem({ ...base, provider: "whatsapp", type: "text", text: "Hi" })).toBe(
      "WhatsApp text",
    );
    const mail: ReceivedMessage = {
      ...base,
      provider: "smtp",
      subject: "Your Turumba demo, Person1",
      html: "<h1>Hi Person1</h1><p>…</p>",
      text: "HI PERSON1 …",
    };
    expect(campaign("email").problem(mail)).toBeNull();
    expect(campaign("email").problem({ ...mail, subject: "", html: null })).toBe('e-mail subject "", no HTML');
    expect(campaign("smpp").problem({ ...base, provider: "smpp", text: "Hi Person1, this is …" })).toBeNull();
  });

  it("describe a received message by what matters on its channel", () => {
    expect(
      describeReceived({
        ...base,
        provider: "whatsapp",
        template: { name: "t", language: "en", components: [{ type: "body", parameters: ["Person1"] }] },
      }),
    ).toBe('template t (en), parameters "Person1"');
    expect(describeReceived({ ...base, provider: "smpp", text: "Hi", encoding: "gsm7", segments: 1, udh: false })).toBe(
      'gsm7, 1 segment: "Hi"',
    );
    expect(describeReceived({ ...base, provider: "smtp", subject: "S", html: "<p>x</p>", text: "x\ny" })).toBe(
      'subject "S", HTML "<p>x</p>", text "x y"',
    );
  });
});
