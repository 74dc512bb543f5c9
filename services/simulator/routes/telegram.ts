/**
 * The simulator's Telegram Bot API: sends, webhook registration and inbound updates.
 */

import { Router, type Request } from "express";
import type { SimContext } from "../context.js";
import { fetchLinkedBytes, serveItem, type ReceivedMedia } from "../media.js";
import type { InboundMediaRef } from "./meta.js";

/** The send methods that carry one media object by URL, and the field that holds it. */
const MEDIA_METHODS: Record<string, string> = {
  sendPhoto: "photo",
  sendDocument: "document",
  sendAudio: "audio",
  sendVideo: "video",
};

/** The file a send carried as its Message shows it: a photo as a list of sizes, the rest as one object. */
function sentFile(field: string, fileId: string, size: number): unknown {
  const file = { file_id: fileId, file_unique_id: `u${fileId}`, file_size: size };
  return field === "photo" ? [{ ...file, width: 800, height: 600 }] : file;
}

const WRONG_FILE = { ok: false, error_code: 400, description: "Bad Request: wrong file identifier/HTTP URL specified" };

/** What the Bot API answers when the dice throttle or fail a call, for every method alike. */
const FAULT_ANSWERS = {
  throttle: (): [number, unknown] => [
    429,
    { ok: false, error_code: 429, description: "Too Many Requests: retry after 3", parameters: { retry_after: 3 } },
  ],
  error: (): [number, unknown] => [502, { ok: false, error_code: 502, description: "Bad Gateway" }],
};

interface InlineButton {
  text?: string;
  url?: string;
  callback_data?: string;
}

interface TelegramSendBody {
  chat_id?: string | number;
  text?: string;
  parse_mode?: string;
  /** An object, or the same serialised as JSON (the Bot API takes both). */
  reply_markup?: { inline_keyboard?: InlineButton[][] } | string;
  reply_parameters?: { message_id?: number | string } | string;
  reply_to_message_id?: number | string;
  caption?: string;
  photo?: string;
  document?: string;
  audio?: string;
  video?: string;
}

/** The Bot API accepts its object parameters as JSON strings too. */
function objectParam<T>(value: T | string | undefined): T | undefined {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
}

function inlineButtons(markup: TelegramSendBody["reply_markup"]) {
  const keyboard = objectParam(markup)?.inline_keyboard;
  if (!Array.isArray(keyboard)) return null;
  return keyboard.map((row) =>
    (Array.isArray(row) ? row : []).map((b) => ({
      text: String(b.text ?? ""),
      ...(b.url !== undefined ? { url: b.url } : {}),
      ...(b.callback_data !== undefined ? { callbackData: b.callback_data } : {}),
    })),
  );
}

/** The message a send replies to: reply_parameters (current API) or reply_to_message_id (older). */
function replyTarget(body: TelegramSendBody): string | null {
  const id = objectParam(body.reply_parameters)?.message_id ?? body.reply_to_message_id;
  return id !== undefined ? String(id) : null;
}

interface Registration {
  url: string;
  secret: string | undefined;
}

/** Telegram Bot API: sendMessage, getMe, setWebhook; inbound updates to the registered webhook. */
export function telegramRoutes(ctx: SimContext): {
  router: Router;
  sendInbound: (from: string, text: string, token?: string, media?: InboundMediaRef) => Promise<boolean>;
} {
  const router = Router();
  const webhooks = new Map<string, Registration>();
  let lastToken: string | undefined;
  const token = (req: Request) => String(req.params.token ?? "").replace(/^bot/, "");

  /**
   * A file a send names: a file_id kept before (undefined when unknown), or a URL Telegram
   * downloads before it answers, keeps and answers a file_id for, which later sends may pass
   * instead. Docs: https://core.telegram.org/bots/api#sending-files
   */
  const receiveFile = async (
    field: string,
    ref: string,
    caption: string | null,
  ): Promise<{ media: ReceivedMedia; fileId?: string } | undefined> => {
    if (!/^https?:\/\//i.test(ref))
      return ctx.media.get(ref) ? { media: ctx.media.received(field, ref, { caption }) } : undefined;
    const fetched = await fetchLinkedBytes(field, ref, { caption });
    if (!fetched.body) return { media: fetched.received };
    const type = fetched.received.contentType ?? "application/octet-stream";
    return { media: fetched.received, fileId: ctx.media.upload("telegram", fetched.body, type).id };
  };

  // An album: 2–10 photos/videos (or documents, or audio), one message per item, the caption on
  // the first. Docs: https://core.telegram.org/bots/api#sendmediagroup
  router.post("/:token/sendMediaGroup", async (req, res) => {
    const ok = await ctx.admit("telegram", res, FAULT_ANSWERS);
    if (!ok) return;
    const body = req.body as { chat_id?: string | number; media?: unknown };
    const items = objectParam(body.media as Array<{ type?: string; media?: string; caption?: string }> | string);
    if (!body.chat_id || !Array.isArray(items) || items.length < 2 || items.length > 10) {
      res.status(400).json({ ok: false, error_code: 400, description: "Bad Request: media must have 2-10 items" });
      return;
    }
    const got = await Promise.all(
      items.map(async (item) =>
        item.type && item.media ? receiveFile(item.type, item.media, item.caption ?? null) : undefined,
      ),
    );
    if (got.some((g) => g === undefined)) {
      res.status(400).json(WRONG_FILE);
      return;
    }
    const groupId = String(ctx.nextId());
    const chat = String(body.chat_id);
    const result = got.map((g, i) => {
      const id = ctx.nextId();
      const item = items[i]!;
      ctx.stats.of("telegram").accepted++;
      ctx.stats.remember("telegram", String(id), chat);
      ctx.stats.received.add("telegram", String(id), chat, {
        media: [g!.media],
        text: item.caption ?? null,
        mediaGroupId: groupId,
      });
      return {
        message_id: id,
        chat: { id: Number(chat) || chat, type: "private" },
        date: Math.floor(Date.now() / 1000),
        media_group_id: groupId,
        ...(item.caption ? { caption: item.caption } : {}),
        ...(g!.fileId ? { [item.type!]: sentFile(item.type!, g!.fileId, g!.media.bytes ?? 0) } : {}),
      };
    });
    res.json({ ok: true, result });
  });

  router.post("/:token/:method", async (req, res, next) => {
    const method = String(req.params.method);
    const field = method === "sendMessage" ? undefined : MEDIA_METHODS[method];
    if (method !== "sendMessage" && !field) {
      next();
      return;
    }
    const ok = await ctx.admit("telegram", res, FAULT_ANSWERS);
    if (!ok) return;
    const body = req.body as TelegramSendBody;
    const link = field ? body[field as "photo"] : undefined;
    if (!body.chat_id || (field ? !link : !body.text)) {
      const what = field ? `there is no ${field} in the request` : "message text is empty";
      res.status(400).json({ ok: false, error_code: 400, description: `Bad Request: ${what}` });
      return;
    }
    // A file by URL: Telegram downloads it before it answers, keeps it and answers its file_id,
    // which later sends may pass instead of a URL. Docs: https://core.telegram.org/bots/api#sending-files
    let media: ReceivedMedia[] | undefined;
    let fileId: string | undefined;
    if (link) {
      const got = await receiveFile(field!, link, body.caption ?? null);
      if (!got) {
        res.status(400).json(WRONG_FILE);
        return;
      }
      media = [got.media];
      fileId = got.fileId;
    }
    const id = ctx.nextId();
    ctx.stats.of("telegram").accepted++;
    ctx.stats.remember("telegram", String(id), String(body.chat_id));
    ctx.stats.received.add("telegram", String(id), String(body.chat_id), {
      ...(media ? { media } : {}),
      text: body.text ?? body.caption ?? null,
      parseMode: body.parse_mode ?? null,
      buttons: inlineButtons(body.reply_markup),
      replyToMessageId: replyTarget(body),
    });
    res.json({
      ok: true,
      result: {
        message_id: id,
        chat: { id: Number(body.chat_id) || body.chat_id, type: "private" },
        date: Math.floor(Date.now() / 1000),
        ...(body.text ? { text: body.text } : { caption: body.caption }),
        ...(field && fileId ? { [field]: sentFile(field, fileId, media?.[0]?.bytes ?? 0) } : {}),
      },
    });
  });

  // getFile: a file_id (a library id) becomes a path under /file/bot<token>/. Docs: https://core.telegram.org/bots/api#getfile
  router.post("/:token/getFile", (req, res) => {
    const fileId = (req.body as { file_id?: unknown }).file_id;
    const item = typeof fileId === "string" ? ctx.media.get(fileId) : undefined;
    if (ctx.refuses(token(req)) || !item) {
      res.status(400).json({ ok: false, error_code: 400, description: "Bad Request: invalid file_id" });
      return;
    }
    res.json({
      ok: true,
      result: {
        file_id: item.id,
        file_unique_id: item.id,
        file_size: item.bytes.length,
        file_path: `media/${item.id}`,
      },
    });
  });

  router.get("/file/:token/media/:id", (req, res) => {
    const item = ctx.media.get(String(req.params.id));
    if (!item || ctx.refuses(token(req))) {
      res.status(404).json({ ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    serveItem(res, item);
  });

  router.post("/:token/getMe", (req, res) => {
    if (ctx.refuses(token(req))) {
      res.status(401).json({ ok: false, error_code: 401, description: "Unauthorized" });
      return;
    }
    res.json({ ok: true, result: { id: 7000000001, is_bot: true, first_name: "Simulator Bot", username: "sim_bot" } });
  });

  router.post("/:token/setWebhook", (req, res) => {
    const body = req.body as { url?: string; secret_token?: string };
    if (!body.url) {
      res.status(400).json({ ok: false, error_code: 400, description: "Bad Request: bad webhook: URL host is empty" });
      return;
    }
    lastToken = token(req);
    webhooks.set(lastToken, { url: body.url, secret: body.secret_token });
    res.json({ ok: true, result: true, description: "Webhook was set" });
  });

  const sendInbound = async (
    from: string,
    text: string,
    botToken?: string,
    media?: InboundMediaRef,
  ): Promise<boolean> => {
    const reg =
      webhooks.get(botToken ?? lastToken ?? "") ??
      (ctx.behaviour("telegram").webhookUrl
        ? { url: ctx.behaviour("telegram").webhookUrl!, secret: undefined }
        : undefined);
    if (!reg) return false;
    const id = ctx.nextId();
    const update = {
      update_id: 900000000 + id,
      message: {
        message_id: id,
        from: { id: Number(from) || 1, is_bot: false, first_name: "Sim" },
        chat: { id: Number(from) || from, type: "private" },
        date: Math.floor(Date.now() / 1000),
        ...telegramInboundContent(text, media),
      },
    };
    ctx.stats.of("telegram").inboundSent++;
    await ctx.webhooks.postJson(
      "telegram",
      reg.url,
      update,
      reg.secret ? { "x-telegram-bot-api-secret-token": reg.secret } : {},
      // The id a receiver stores for a Telegram message: chat and message id.
      { kind: "inbound", id: `${update.message.chat.id}:${id}` },
    );
    return true;
  };

  /** Text, or a photo (one size) or other file naming the library object, the text as caption. */
  const telegramInboundContent = (text: string, media?: InboundMediaRef): Record<string, unknown> => {
    const item = media ? ctx.media.get(media.id) : undefined;
    if (!media || !item) return { text };
    const file = { file_id: item.id, file_unique_id: item.id, file_size: item.bytes.length };
    const content =
      media.kind === "image"
        ? { photo: [{ ...file, width: 1, height: 1 }] }
        : { [media.kind]: { ...file, mime_type: item.contentType, file_name: `${item.id}.bin` } };
    return { ...content, ...(text ? { caption: text } : {}) };
  };

  return { router, sendInbound };
}
