/**
 * Inbound e-mail in the simulator: plays an ESP's inbound-parse webhook. `POST /_sim/inbound-email`
 * composes a MIME message (nodemailer's composer) from a sender, subject, text or HTML and media
 * objects of the library (`POST /_sim/media`), each attached or, with a `cid`, inline, and posts
 * the raw message to the given webhook URL: as a `message/rfc822` body, or with `form: true` as
 * the `email` field of a multipart form (SendGrid's Inbound Parse with raw MIME). It answers the
 * Message-ID and each part's SHA-256, so a test can match what the platform kept.
 */

import { createHash } from "node:crypto";
import { Router } from "express";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import { z } from "zod";
import type { MediaLibrary } from "./media.js";
import type { WebhookSender } from "./webhooks.js";

const InboundMailRequest = z.object({
  /** The channel's webhook URL, with its ?token= when the channel wants one. */
  url: z.url(),
  from: z.string().min(1),
  to: z.string().min(1).default("support@tenant.example"),
  subject: z.string().default(""),
  text: z.string().optional(),
  html: z.string().optional(),
  attachments: z
    .array(z.object({ id: z.string().min(1), filename: z.string().min(1), cid: z.string().min(1).optional() }))
    .default([]),
  form: z.boolean().default(false),
});

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

export function inboundMailRoutes(media: MediaLibrary, webhooks: WebhookSender): Router {
  const r = Router();
  r.post("/_sim/inbound-email", async (req, res) => {
    const parsed = InboundMailRequest.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({
        detail: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
        code: "invalid_inbound",
      });
      return;
    }
    const m = parsed.data;
    const parts = m.attachments.map((a) => ({ ...a, item: media.get(a.id) }));
    const missing = parts.find((p) => !p.item);
    if (missing) {
      res.status(400).json({ detail: `no media ${missing.id} (POST /_sim/media first)`, code: "invalid_inbound" });
      return;
    }
    const messageId = `<sim-${Date.now()}-${Math.random().toString(36).slice(2)}@inbound.sim>`;
    const raw = await new MailComposer({
      from: m.from,
      to: m.to,
      subject: m.subject,
      messageId,
      ...(m.text !== undefined ? { text: m.text } : {}),
      ...(m.html !== undefined ? { html: m.html } : {}),
      attachments: parts.map((p) => ({
        filename: p.filename,
        content: p.item!.bytes,
        contentType: p.item!.contentType,
        ...(p.cid ? { cid: p.cid, contentDisposition: "inline" as const } : {}),
      })),
    })
      .compile()
      .build();
    // The composer writes 7-bit text (base64 parts), so the message travels as a string.
    if (m.form) {
      const form = new FormData();
      form.set("to", m.to);
      form.set("from", m.from);
      form.set("email", raw.toString("utf8"));
      const encoded = new Response(form);
      const body = Buffer.from(await encoded.arrayBuffer()).toString("utf8");
      await webhooks.postRaw("smtp", m.url, body, encoded.headers.get("content-type")!);
    } else {
      await webhooks.postRaw("smtp", m.url, raw.toString("utf8"), "message/rfc822");
    }
    res.status(202).json({
      sent: true,
      messageId: messageId.slice(1, -1),
      attachments: parts.map((p) => ({ filename: p.filename, cid: p.cid ?? null, sha256: sha(p.item!.bytes) })),
    });
  });
  return r;
}
