import { createHash } from "node:crypto";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { describe, expect, it } from "vitest";
import { decodeWords, readMail } from "./mime.js";

/** Builds a message exactly as nodemailer puts it on the wire (the e-mail adapter's library). */
function compose(mail: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(mail).compile().build();
}

describe("readMail on messages as nodemailer writes them", () => {
  it("lists attachments and inline images (by Content-ID) with the SHA-256 of their bytes", async () => {
    const logo = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.alloc(700, 9)]);
    const terms = Buffer.from("%PDF-1.7\n terms\n");
    const raw = await compose({
      from: "noreply@example.test",
      to: "a@example.test",
      subject: "With media",
      html: '<p>Hi</p><img src="cid:logo@demo">',
      attachments: [
        { content: logo, filename: "logo.png", contentType: "image/png", cid: "logo@demo" },
        { content: terms, filename: "terms.pdf", contentType: "application/pdf" },
      ],
    });
    const mail = readMail(raw);
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    expect(mail.html).toBe('<p>Hi</p><img src="cid:logo@demo">');
    expect(mail.attachments).toEqual([
      { filename: "logo.png", contentType: "image/png", cid: "logo@demo", inline: true, sha256: sha(logo), bytes: 708 },
      {
        filename: "terms.pdf",
        contentType: "application/pdf",
        cid: null,
        inline: false,
        sha256: sha(terms),
        bytes: terms.length,
      },
    ]);
  });

  it("reads subject, text and HTML of multipart/alternative, non-ASCII and long lines included", async () => {
    const html = `<p>Selam <b>ሰላም</b> — ${"long line ".repeat(40)}</p>`;
    const raw = await compose({
      from: { name: "Turumba ቱሩምባ", address: "noreply@example.test" },
      to: "a@example.test",
      replyTo: "support@example.test",
      subject: "Your order № 42 — ትዕዛዝዎ ተልኳል and a subject long enough to be folded over several lines",
      text: "Plain ሰላም\nsecond line",
      html,
      inReplyTo: "<inbound-1@mail.example.test>",
      references: ["<inbound-1@mail.example.test>"],
    });
    const mail = readMail(raw);
    expect(mail.headers.get("subject")).toBe(
      "Your order № 42 — ትዕዛዝዎ ተልኳል and a subject long enough to be folded over several lines",
    );
    expect(mail.headers.get("from")).toBe("Turumba ቱሩምባ <noreply@example.test>");
    expect(mail.headers.get("reply-to")).toBe("support@example.test");
    expect(mail.headers.get("in-reply-to")).toBe("<inbound-1@mail.example.test>");
    expect(mail.headers.get("references")).toBe("<inbound-1@mail.example.test>");
    expect(mail.text).toBe("Plain ሰላም\nsecond line");
    expect(mail.html).toBe(html);
  });

  it("reads a text-only message, and parts inside multipart/mixed beside an attachment", async () => {
    const plain = readMail(await compose({ from: "a@x.test", to: "b@x.test", subject: "s", text: "just text" }));
    expect(plain).toMatchObject({ text: "just text", html: null });

    const mixed = readMail(
      await compose({
        from: "a@x.test",
        to: "b@x.test",
        subject: "with attachment",
        text: "body text",
        html: "<p>body html</p>",
        attachments: [{ filename: "a.txt", content: "attached text must not be taken for the body" }],
      }),
    );
    expect(mixed).toMatchObject({ text: "body text", html: "<p>body html</p>" });
  });

  it("decodes base64 parts and encoded words split inside a character", async () => {
    const raw = await compose({
      from: "a@x.test",
      to: "b@x.test",
      subject: "s",
      text: "ሰላም ".repeat(100),
      textEncoding: "base64",
    });
    expect(readMail(raw).text).toBe("ሰላም ".repeat(100));
    // "ሰ" is E1 88 B0 in UTF-8: split across two encoded words, it must still come out whole.
    expect(decodeWords("=?UTF-8?Q?=E1=88?= =?UTF-8?Q?=B0_ok?= and =?utf-8?B?w6k=?=")).toBe("ሰ ok and é");
  });
});
