import { createHash } from "node:crypto";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { describe, expect, it } from "vitest";
import type { WebhookRequest } from "../contract/types.js";
import { EmailAdapter } from "./adapter.js";
import { INBOUND_MAIL_TEXT_MAX_CHARS, readInboundMail } from "./inbound-mail.js";

const PDF = Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
const PNG = Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), Buffer.alloc(64, 1)]);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

function compose(extra: Record<string, unknown> = {}): Promise<Buffer> {
  return new MailComposer({
    from: { name: "Abebe K", address: "Abebe@Example.org" },
    to: "support@tenant.example",
    subject: "Invoice for March",
    text: "Please find the invoice attached.",
    html: '<p>Please find the invoice attached.</p><img src="cid:logo@x">',
    messageId: "<m-123@example.org>",
    inReplyTo: "<out-1@tenant.example>",
    attachments: [
      { filename: "invoice.pdf", content: PDF, contentType: "application/pdf" },
      { filename: "logo.png", content: PNG, contentType: "image/png", cid: "logo@x" },
    ],
    ...extra,
  })
    .compile()
    .build();
}

const request = (body: Buffer, contentType: string): WebhookRequest => ({
  method: "POST",
  url: "https://api.example/webhooks/email/c?token=t",
  headers: { "content-type": contentType },
  rawBody: body.toString("utf8"),
  rawBytes: body,
});

describe("inbound e-mail", () => {
  it("reads sender, subject and body, and every attachment and inline part with its bytes", async () => {
    const [item] = await readInboundMail(await compose());
    expect(item!.message).toMatchObject({
      providerMessageId: "m-123@example.org",
      from: "abebe@example.org",
      to: "support@tenant.example",
      contentType: "text",
      text: "Invoice for March\n\nPlease find the invoice attached.",
    });
    expect(item!.message.metadata).toMatchObject({
      subject: "Invoice for March",
      name: "Abebe K",
      in_reply_to: "out-1@tenant.example",
    });
    // In the order of the MIME tree: the HTML's related image before the mixed part's attachment.
    expect(item!.message.metadata.media).toEqual([
      expect.objectContaining({ ref: "cid:logo@x", kind: "image", filename: "logo.png", inline: true, cid: "logo@x" }),
      expect.objectContaining({ ref: "part:2", kind: "document", filename: "invoice.pdf", inline: false, cid: null }),
    ]);
    expect(item!.media.map(sha)).toEqual([sha(PNG), sha(PDF)]);
  });

  it("takes the raw message as a message/rfc822 body or as a form's email or body-mime field", async () => {
    const raw = await compose();
    const adapter = new EmailAdapter();
    const direct = await adapter.parseCarriedInbound(request(raw, "message/rfc822"));
    for (const field of ["email", "body-mime"]) {
      const form = new FormData();
      form.set("from", "ignored");
      form.set(field, raw.toString("utf8"));
      const encoded = new Response(form);
      const body = Buffer.from(await encoded.arrayBuffer());
      const viaForm = await adapter.parseCarriedInbound(request(body, encoded.headers.get("content-type")!));
      expect(viaForm.map((i) => i.media.map(sha))).toEqual(direct.map((i) => i.media.map(sha)));
      expect(viaForm[0]!.message.providerMessageId).toBe("m-123@example.org");
    }
    expect(direct).toHaveLength(1);
  });

  it("leaves notifications to parseStatus and reads no mail from them", async () => {
    const adapter = new EmailAdapter();
    const json = Buffer.from(JSON.stringify([{ event: "delivered", "smtp-id": "<a@b>" }]));
    expect(await adapter.parseCarriedInbound(request(json, "application/json"))).toEqual([]);
    expect(adapter.parseStatus(request(await compose(), "message/rfc822"))).toEqual([]);
  });

  it("keys a mail without Message-ID by its bytes and cuts a very long text", async () => {
    const raw = await compose({ messageId: undefined, text: "x".repeat(INBOUND_MAIL_TEXT_MAX_CHARS + 10) });
    const stripped = Buffer.from(raw.toString("latin1").replace(/^Message-ID:.*\r\n/im, ""), "latin1");
    const [item] = await readInboundMail(stripped);
    expect(item!.message.providerMessageId).toBe(`sha256:${sha(stripped)}`);
    expect(item!.message.text).toHaveLength(INBOUND_MAIL_TEXT_MAX_CHARS);
    expect(item!.message.metadata.truncated).toBe(true);
  });
});
