/** WhatsApp Cloud API and Messenger Send API on one Graph-shaped router. */

import busboy from "busboy";
import { Router, type Request } from "express";
import { hex, type SimContext } from "../context.js";
import type { ReceivedMessage } from "../received.js";
import { fetchLinked, fetchLinkedBytes, originOf, serveItem, type ReceivedMedia } from "../media.js";

/** WhatsApp message types that carry a media object (by `link` when we send, by `id` inbound). */
const WHATSAPP_MEDIA_TYPES = new Set(["image", "document", "audio", "video", "sticker"]);

/** What an inbound media message names: a library id and its kind. */
export interface InboundMediaRef {
  id: string;
  kind: "image" | "document" | "audio" | "video";
}

interface TemplateParameter {
  type?: string;
  text?: string;
  payload?: string;
  currency?: { fallback_value?: string };
  date_time?: { fallback_value?: string };
}

interface WhatsAppSendBody {
  to?: string;
  type?: string;
  text?: { body?: string; preview_url?: boolean };
  template?: {
    name?: string;
    language?: { code?: string };
    components?: Array<{ type?: string; sub_type?: string; index?: string | number; parameters?: TemplateParameter[] }>;
  };
  context?: { message_id?: string };
  /** A read receipt: status "read" with the customer's message id instead of a message. */
  status?: string;
  message_id?: string;
  image?: WhatsAppMediaObject;
  document?: WhatsAppMediaObject;
  audio?: WhatsAppMediaObject;
  video?: WhatsAppMediaObject;
  sticker?: WhatsAppMediaObject;
}

interface WhatsAppMediaObject {
  link?: string;
  id?: string;
  caption?: string;
  filename?: string;
}

/** A template as received: its name, language, and each component's parameters as the text they show. */
function receivedTemplate(t: NonNullable<WhatsAppSendBody["template"]>): ReceivedMessage["template"] {
  return {
    name: String(t.name ?? ""),
    language: t.language?.code ?? null,
    components: (t.components ?? []).map((c) => ({
      type: String(c.type ?? ""),
      ...(c.sub_type !== undefined ? { subType: c.sub_type } : {}),
      ...(c.index !== undefined ? { index: String(c.index) } : {}),
      parameters: (c.parameters ?? []).map(
        (p) => p.text ?? p.payload ?? p.currency?.fallback_value ?? p.date_time?.fallback_value ?? JSON.stringify(p),
      ),
    })),
  };
}

export function metaRoutes(ctx: SimContext): {
  router: Router;
  sendWhatsAppInbound: (from: string, text: string, media?: InboundMediaRef) => Promise<boolean>;
  sendMessengerInbound: (from: string, text: string) => Promise<boolean>;
} {
  const router = Router();
  const now = () => Math.floor(Date.now() / 1000);
  const graphError = (code: number, message: string) => ({
    error: { message, type: "OAuthException", code, fbtrace_id: "SIM" + hex(ctx.nextId(), 8) },
  });
  /** Graph API's answer to a token it does not accept (error 190, HTTP 401). */
  const invalidToken = () => graphError(190, "Invalid OAuth access token - Cannot parse access token");
  const bearer = (req: Request) => req.headers.authorization?.replace(/^Bearer\s+/i, "");
  const queryToken = (req: Request) =>
    typeof req.query.access_token === "string" ? req.query.access_token : undefined;

  // Messenger first: "/:version/me/messages" would otherwise match the WhatsApp pattern.
  router.post("/:version/me/messages", async (req, res) => {
    const ok = await ctx.admit("messenger", res, {
      throttle: () => [429, graphError(613, "(#613) Calls to this api have exceeded the rate limit.")],
      error: () => [500, graphError(2, "An unexpected error has occurred. Please retry your request later.")],
    });
    if (!ok) return;
    const body = req.body as {
      recipient?: { id?: string };
      message?: {
        text?: string;
        attachment?: { type?: string; payload?: { url?: string; is_reusable?: boolean; attachment_id?: string } };
      };
      messaging_type?: string;
      tag?: string;
      sender_action?: string;
    };
    const psid = body.recipient?.id;
    // A sender action (mark_seen, typing_on …) is recorded under the PSID, with no message id.
    if (psid && body.sender_action && !body.message) {
      ctx.stats.received.add("messenger", `action:${body.sender_action}`, psid, { type: body.sender_action });
      res.json({ recipient_id: psid });
      return;
    }
    if (!psid || !body.message) {
      res.status(400).json(graphError(100, "(#100) The parameter recipient is required"));
      return;
    }
    // An attachment by URL: Messenger fetches it before it answers, and keeps it for the page under
    // an attachment_id when asked to (is_reusable); by attachment_id: the bytes kept then.
    const attachment = body.message.attachment;
    const kind = String(attachment?.type ?? "file");
    const reuseId = attachment?.payload?.attachment_id;
    if (reuseId !== undefined && !ctx.media.get(reuseId)) {
      res.status(400).json(graphError(100, "(#100) Param attachment_id is not a valid attachment id"));
      return;
    }
    let media: ReceivedMedia[] | undefined;
    let attachmentId: string | undefined;
    if (reuseId !== undefined) media = [ctx.media.received(kind, reuseId)];
    else if (attachment?.payload?.url && attachment.payload.is_reusable) {
      const fetched = await fetchLinkedBytes(kind, attachment.payload.url);
      media = [fetched.received];
      if (fetched.body)
        attachmentId = ctx.media.upload(
          "messenger",
          fetched.body,
          fetched.received.contentType ?? "application/octet-stream",
        ).id;
    } else if (attachment?.payload?.url) media = [await fetchLinked(kind, attachment.payload.url)];
    const mid = `m_SIM${hex(ctx.nextId(), 12)}`;
    ctx.stats.of("messenger").accepted++;
    ctx.stats.remember("messenger", mid, psid);
    ctx.stats.received.add("messenger", mid, psid, {
      ...(media ? { media } : {}),
      text: body.message.text ?? null,
      messagingType: body.messaging_type ?? null,
      tag: body.tag ?? null,
    });
    res.json({ recipient_id: psid, message_id: mid, ...(attachmentId ? { attachment_id: attachmentId } : {}) });
    const url = ctx.behaviour("messenger").webhookUrl;
    // Messenger reports deliveries only; a failed outcome is silence, as on the real platform.
    if (url && ctx.dice.outcome(ctx.behaviour("messenger")) === "delivered") {
      ctx.later("messenger", () =>
        ctx.webhooks.postJson(
          "messenger",
          url,
          {
            object: "page",
            entry: [
              {
                id: "100000000000001",
                time: Date.now(),
                messaging: [
                  {
                    sender: { id: psid },
                    recipient: { id: "100000000000001" },
                    delivery: { mids: [mid], watermark: Date.now() },
                  },
                ],
              },
            ],
          },
          {},
          { kind: "receipt", id: mid, what: "delivered" },
        ),
      );
    }
  });

  router.get("/:version/me", (req, res) => {
    if (ctx.refuses(bearer(req), queryToken(req))) {
      res.status(401).json(invalidToken());
      return;
    }
    res.json({ id: "100000000000001", name: "Simulator Page" });
  });

  // Media upload: multipart with messaging_product, type and file; answers the media id later
  // sends name as `image.id` (kept in the library, recorded at GET /_sim/uploads).
  // Docs: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#upload-media
  router.post("/:version/:phoneNumberId/media", async (req, res) => {
    const ok = await ctx.admit("whatsapp", res, {
      throttle: () => [429, graphError(130429, "(#130429) Rate limit hit")],
      error: () => [500, graphError(131000, "(#131000) Something went wrong")],
    });
    if (!ok) return;
    if (!bearer(req) || ctx.refuses(bearer(req))) {
      res.status(401).json(invalidToken());
      return;
    }
    const form = await readMultipart(req).catch(() => undefined);
    if (!form?.file || form.fields.messaging_product !== "whatsapp" || !form.fields.type) {
      res.status(400).json(graphError(100, "(#100) The parameter file, type and messaging_product are required"));
      return;
    }
    const item = ctx.media.upload("whatsapp", form.file, form.fields.type);
    res.json({ id: item.id });
  });

  router.post("/:version/:phoneNumberId/messages", async (req, res) => {
    const ok = await ctx.admit("whatsapp", res, {
      throttle: () => [429, graphError(130429, "(#130429) Rate limit hit")],
      error: () => [500, graphError(131000, "(#131000) Something went wrong")],
    });
    if (!ok) return;
    const body = req.body as WhatsAppSendBody;
    const phoneNumberId = String(req.params.phoneNumberId);
    // A read receipt names the customer's message only: recorded under our phone number id.
    if (body.status === "read" && body.message_id) {
      ctx.stats.received.add("whatsapp", body.message_id, phoneNumberId, { type: "read" });
      res.json({ success: true });
      return;
    }
    if (!body.to || !body.type) {
      res.status(400).json(graphError(100, "(#100) Invalid parameter"));
      return;
    }
    // A media object by link: fetched here, before the answer, so a test reads what arrived; by
    // id: an object uploaded to the media endpoint before.
    const object = WHATSAPP_MEDIA_TYPES.has(body.type) ? body[body.type as "image"] : undefined;
    const described = { caption: object?.caption ?? null, filename: object?.filename ?? null };
    if (object?.id && !ctx.media.get(object.id)) {
      res.status(400).json(graphError(131053, "(#131053) Media upload error: unknown media id"));
      return;
    }
    const media: ReceivedMedia[] | undefined = object?.id
      ? [ctx.media.received(body.type, object.id, described)]
      : object?.link
        ? [await fetchLinked(body.type, object.link, described)]
        : undefined;
    const wamid = "wamid.SIM" + Buffer.from(hex(ctx.nextId(), 16)).toString("base64");
    ctx.stats.of("whatsapp").accepted++;
    ctx.stats.remember("whatsapp", wamid, body.to);
    ctx.stats.received.add("whatsapp", wamid, body.to, {
      type: body.type,
      ...(media ? { media } : {}),
      text: body.text?.body ?? object?.caption ?? null,
      previewUrl: body.text?.preview_url === true,
      template: body.template ? receivedTemplate(body.template) : null,
      contextMessageId: body.context?.message_id ?? null,
    });
    res.json({
      messaging_product: "whatsapp",
      contacts: [{ input: body.to, wa_id: body.to.replace(/^\+/, "") }],
      messages: [{ id: wamid }],
    });
    const behaviour = ctx.behaviour("whatsapp");
    const url = behaviour.webhookUrl;
    if (!url) return;
    const outcome = ctx.dice.outcome(behaviour);
    const status = (s: string, extra: Record<string, unknown> = {}) => ({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "200000000000001",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "15550000000", phone_number_id: phoneNumberId },
                statuses: [
                  {
                    id: wamid,
                    status: s,
                    timestamp: String(now()),
                    recipient_id: body.to!.replace(/^\+/, ""),
                    ...extra,
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    ctx.later("whatsapp", async () => {
      await ctx.webhooks.postJson("whatsapp", url, status("sent"), {}, { kind: "receipt", id: wamid, what: "sent" });
      await ctx.webhooks.postJson(
        "whatsapp",
        url,
        outcome === "delivered"
          ? status("delivered")
          : status("failed", {
              errors: [{ code: 131026, title: "Message undeliverable", error_data: { details: "Simulated failure" } }],
            }),
        {},
        { kind: "receipt", id: wamid, what: outcome === "delivered" ? "delivered" : "failed" },
      );
    });
  });

  // GET /{id} is a phone number's details or, for a media id, where its bytes are (a URL that
  // itself wants the bearer token). Docs: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media
  router.get("/:version/:phoneNumberId", (req, res) => {
    if (ctx.refuses(bearer(req), queryToken(req))) {
      res.status(401).json(invalidToken());
      return;
    }
    const item = ctx.media.get(String(req.params.phoneNumberId));
    if (item) {
      res.json({
        messaging_product: "whatsapp",
        url: `${originOf(req)}/_sim/whatsapp-media/${item.id}`,
        mime_type: item.contentType,
        sha256: item.sha256,
        file_size: item.bytes.length,
        id: item.id,
      });
      return;
    }
    res.json({ id: String(req.params.phoneNumberId), display_phone_number: "+1 555-000-0000" });
  });

  router.get("/_sim/whatsapp-media/:id", (req, res) => {
    const item = ctx.media.get(String(req.params.id));
    if (!bearer(req) || ctx.refuses(bearer(req))) {
      res.status(401).json(invalidToken());
      return;
    }
    if (!item) {
      res.status(404).json(graphError(100, "(#100) Invalid media id"));
      return;
    }
    serveItem(res, item);
  });

  const sendWhatsAppInbound = async (from: string, text: string, media?: InboundMediaRef): Promise<boolean> => {
    const url = ctx.behaviour("whatsapp").webhookUrl;
    if (!url) return false;
    const waId = from.replace(/^\+/, "");
    const id = "wamid.SIMIN" + hex(ctx.nextId(), 12);
    ctx.stats.of("whatsapp").inboundSent++;
    await ctx.webhooks.postJson(
      "whatsapp",
      url,
      {
        object: "whatsapp_business_account",
        entry: [
          {
            id: "200000000000001",
            changes: [
              {
                field: "messages",
                value: {
                  messaging_product: "whatsapp",
                  metadata: { display_phone_number: "15550000000", phone_number_id: "300000000000001" },
                  contacts: [{ profile: { name: "Sim User" }, wa_id: waId }],
                  messages: [
                    {
                      from: waId,
                      id,
                      timestamp: String(now()),
                      ...whatsappInboundContent(text, media),
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
      {},
      { kind: "inbound", id },
    );
    return true;
  };

  const sendMessengerInbound = async (from: string, text: string): Promise<boolean> => {
    const url = ctx.behaviour("messenger").webhookUrl;
    if (!url) return false;
    const mid = "m_SIMIN" + hex(ctx.nextId(), 12);
    ctx.stats.of("messenger").inboundSent++;
    await ctx.webhooks.postJson(
      "messenger",
      url,
      {
        object: "page",
        entry: [
          {
            id: "100000000000001",
            time: Date.now(),
            messaging: [
              {
                sender: { id: from },
                recipient: { id: "100000000000001" },
                timestamp: Date.now(),
                message: { mid, text },
              },
            ],
          },
        ],
      },
      {},
      { kind: "inbound", id: mid },
    );
    return true;
  };

  /** A text message, or a media message naming the library object by id with the text as caption. */
  const whatsappInboundContent = (text: string, media?: InboundMediaRef): Record<string, unknown> => {
    const item = media ? ctx.media.get(media.id) : undefined;
    if (!media || !item) return { type: "text", text: { body: text } };
    return {
      type: media.kind,
      [media.kind]: {
        id: item.id,
        mime_type: item.contentType,
        sha256: item.sha256,
        ...(text && media.kind !== "audio" ? { caption: text } : {}),
        ...(media.kind === "document" ? { filename: `${item.id}.bin` } : {}),
      },
    };
  };

  return { router, sendWhatsAppInbound, sendMessengerInbound };
}

/** A multipart/form-data request's text fields and its `file` part (the simulator's own uploads only). */
function readMultipart(req: Request): Promise<{ fields: Record<string, string>; file?: Buffer }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let file = false;
    const form = busboy({ headers: req.headers, limits: { files: 1, fileSize: 100 * 1024 * 1024 } });
    form.on("field", (name, value) => (fields[name] = value));
    form.on("file", (name, stream) => {
      if (name !== "file") {
        stream.resume();
        return;
      }
      file = true;
      stream.on("data", (c: Buffer) => chunks.push(c));
    });
    form.on("error", reject);
    form.on("close", () => resolve({ fields, ...(file ? { file: Buffer.concat(chunks) } : {}) }));
    req.pipe(form);
  });
}
