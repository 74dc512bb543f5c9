/**
 * Telegram's adapter: sends through the Bot API (parse mode, inline buttons, replies quoting the
 * customer's message), registers its own webhook (setWebhook) and checks the secret token Telegram echoes. The Bot API reports no delivery, so only inbound messages are read.
 */

import { HttpAdapterBase } from "../contract/http-adapter.js";
import { classifyHttpFailure } from "../contract/classify.js";
import type { ChannelAdapter, HttpAdapterOptions, WebhookRegistration } from "../contract/contract.js";
import { SendError } from "../../core/dispatch/send-error.js";
import { safeEqual } from "../contract/signatures.js";
import {
  header,
  sentResult,
  type DispatchPayload,
  type DispatchResult,
  type MediaLocation,
  type MediaReuse,
  type WebhookRequest,
} from "../contract/types.js";
import { inboundMessage, type InboundMessage, type StatusUpdate } from "../../core/messages/vocabulary.js";
import { parseJsonBody } from "../contract/http-adapter.js";
import type { HttpReply } from "../contract/http.js";
import { TELEGRAM_SECRET_FIELDS, TelegramCredentials } from "./credentials.js";
import {
  INVALID_CONTENT_PHRASES,
  INVALID_RECIPIENT_PHRASES,
  NON_TEXT_FIELDS,
  OPT_OUT_PHRASES,
  PARSE_MODES,
} from "./vocabulary.js";
import { INBOUND_MEDIA_KEY, inboundMedia, type InboundMedia } from "../../core/media/inbound-media.js";
import type { DispatchAttachment } from "../../core/media/attachments.js";

interface TelegramReply {
  ok: boolean;
  result?: unknown;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** Telegram Bot API adapter. Docs: https://core.telegram.org/bots/api */
export class TelegramAdapter extends HttpAdapterBase<typeof TelegramCredentials> implements ChannelAdapter {
  readonly credentialsSchema = TelegramCredentials;
  readonly secretFields = TELEGRAM_SECRET_FIELDS;

  /**
   * A file sent by URL answers its file_id, which later sends of the same bot pass instead of the
   * URL (Telegram then fetches nothing); a file_id does not expire.
   * Docs: https://core.telegram.org/bots/api#sending-files
   */
  readonly mediaReuse: MediaReuse = { by: "first-send", lifetimeMs: null };

  constructor(opts: HttpAdapterOptions = {}) {
    super(opts, { channelType: "telegram", provider: "default", baseUrl: "https://api.telegram.org" });
  }

  private async call(creds: TelegramCredentials, method: string, body: unknown): Promise<TelegramReply> {
    const reply = await this.http(creds, {
      method: "POST",
      url: `${this.baseUrl}/bot${creds.bot_token}/${method}`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = reply.json as TelegramReply | undefined;
    if (reply.status >= 200 && reply.status < 300 && json?.ok) return json;
    throw this.classify(reply, json, creds);
  }

  private classify(reply: HttpReply, json: TelegramReply | undefined, creds: TelegramCredentials): SendError {
    const description = this.redactor(creds).text(json?.description ?? `HTTP ${reply.status}`);
    const lower = description.toLowerCase();
    const status = json?.error_code ?? reply.status;
    const retryAfter = json?.parameters?.retry_after;
    const providerCode = String(status);
    if (status === 403 && OPT_OUT_PHRASES.some((p) => lower.includes(p))) {
      return new SendError({
        kind: "permanent",
        code: "recipient_opted_out",
        optOut: true,
        providerCode,
        message: description,
        status,
      });
    }
    if (status === 400 && INVALID_RECIPIENT_PHRASES.some((p) => lower.includes(p))) {
      return new SendError({
        kind: "permanent",
        code: "invalid_recipient",
        providerCode,
        message: description,
        status,
      });
    }
    if (status === 400 && INVALID_CONTENT_PHRASES.some((p) => lower.includes(p))) {
      return new SendError({ kind: "permanent", code: "invalid_content", providerCode, message: description, status });
    }
    return classifyHttpFailure({
      status,
      providerCode,
      message: description,
      // Telegram puts the wait in the body (parameters.retry_after, seconds), not only in a header.
      retryAfterMs: retryAfter !== undefined ? retryAfter * 1000 : reply.retryAfterMs,
    });
  }

  async send(payload: DispatchPayload): Promise<DispatchResult> {
    const creds = this.creds(payload.credentials);
    // Options stored before they had a field of their own are still in metadata.
    const o = payload.options ?? {};
    const parseMode = o.parse_mode ?? payload.metadata.parse_mode;
    if (parseMode !== undefined && !PARSE_MODES.includes(parseMode as (typeof PARSE_MODES)[number])) {
      throw this.logRefusal(
        new SendError({
          kind: "permanent",
          code: "invalid_parse_mode",
          message: `parse_mode must be one of ${PARSE_MODES.join(", ")}`,
        }),
        { messageId: payload.messageId },
      );
    }
    const silent = o.disable_notification ?? payload.metadata.disable_notification;
    const replyTo = payload.replyTo ? repliedMessageId(payload.replyTo) : undefined;
    const common = {
      ...(silent ? { disable_notification: true } : {}),
      // A reply quotes the customer's message; sent anyway if that message was deleted.
      ...(replyTo !== undefined
        ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } }
        : {}),
    };
    if ((payload.attachments?.length ?? 0) > 1)
      return this.sendGroup(creds, payload, payload.attachments!, parseMode as string | undefined, common);
    // One media object per message (the API allows one), sent by its file_id when this bot sent it
    // before, else by URL, with the text as its caption.
    const media = payload.attachments?.[0];
    const method = media ? TELEGRAM_SEND_METHODS[media.kind] : undefined;
    const reply = await this.call(creds, method?.name ?? "sendMessage", {
      chat_id: payload.deliveryAddress,
      ...(media && method
        ? {
            [method.field]: media.providerRef ?? media.url,
            ...(payload.messageBody ? { caption: payload.messageBody } : {}),
          }
        : { text: payload.messageBody }),
      ...(parseMode ? { parse_mode: parseMode } : {}),
      ...(o.inline_buttons ? { reply_markup: { inline_keyboard: o.inline_buttons } } : {}),
      ...common,
    });
    const result = reply.result as { message_id: number; chat?: { id: number }; date?: number };
    const sent = sentResult(String(result.message_id), {
      chatId: result.chat?.id ?? payload.deliveryAddress,
      date: result.date,
    });
    const fileId = media && method && !media.providerRef ? sentFileId(reply.result, method.field) : undefined;
    return fileId ? { ...sent, mediaRef: fileId } : sent;
  }

  /**
   * 2–10 attachments go as one album (sendMediaGroup), the text the caption of the first. Photos
   * and videos may share an album; documents and audio files only go with their own kind.
   * Telegram answers one message per item: the first one's id is the message's.
   * Docs: https://core.telegram.org/bots/api#sendmediagroup
   */
  private async sendGroup(
    creds: TelegramCredentials,
    payload: DispatchPayload,
    attachments: DispatchAttachment[],
    parseMode: string | undefined,
    common: Record<string, unknown>,
  ): Promise<DispatchResult> {
    const kinds = new Set(attachments.map((a) => a.kind));
    const visual = [...kinds].every((k) => k === "image" || k === "video");
    if (!visual && kinds.size > 1)
      throw this.logRefusal(
        new SendError({
          kind: "permanent",
          code: "invalid_content",
          message: "a Telegram album mixes photos and videos only; documents and audio go with their own kind",
        }),
        { messageId: payload.messageId },
      );
    const reply = await this.call(creds, "sendMediaGroup", {
      chat_id: payload.deliveryAddress,
      media: attachments.map((a, i) => ({
        type: TELEGRAM_SEND_METHODS[a.kind].field,
        media: a.providerRef ?? a.url,
        ...(i === 0 && payload.messageBody
          ? { caption: payload.messageBody, ...(parseMode ? { parse_mode: parseMode } : {}) }
          : {}),
      })),
      ...common,
    });
    const messages = (Array.isArray(reply.result) ? reply.result : []) as Array<{
      message_id: number;
      chat?: { id: number };
    }>;
    if (!messages[0])
      throw new SendError({
        kind: "permanent",
        code: "provider_rejected",
        message: "sendMediaGroup answered no message",
      });
    return sentResult(String(messages[0].message_id), {
      chatId: messages[0].chat?.id ?? payload.deliveryAddress,
      messageIds: messages.map((m) => m.message_id),
    });
  }

  /**
   * A file_id becomes a file path (getFile), downloaded from /file/bot<token>/<path>; the link is
   * valid for an hour and the bot API serves files up to 20 MB.
   * Docs: https://core.telegram.org/bots/api#getfile
   */
  async locateInboundMedia(ref: string, credentials: unknown): Promise<MediaLocation> {
    const creds = this.creds(credentials);
    const reply = await this.call(creds, "getFile", { file_id: ref });
    const path = (reply.result as { file_path?: unknown } | undefined)?.file_path;
    if (typeof path !== "string" || path === "")
      throw new SendError({ kind: "permanent", code: "provider_rejected", message: "getFile answered no file_path" });
    return { url: `${this.baseUrl}/file/bot${creds.bot_token}/${path}`, headers: {}, secrets: [creds.bot_token] };
  }

  protected async probe(creds: TelegramCredentials): Promise<void> {
    await this.call(creds, "getMe", {});
  }

  async registerWebhook(credentials: unknown, webhook: WebhookRegistration): Promise<void> {
    const creds = this.creds(credentials);
    const secret = webhook.secretToken ?? creds.webhook_secret;
    if (!secret)
      throw new SendError({
        kind: "permanent",
        code: "webhook_secret_missing",
        message: "a webhook secret token is required",
      });
    await this.call(creds, "setWebhook", {
      url: webhook.url,
      secret_token: secret,
      allowed_updates: ["message", "edited_message"],
    });
  }

  verifyWebhookSignature(req: WebhookRequest, credentials: unknown): boolean {
    const creds = this.creds(credentials);
    return safeEqual(header(req, "x-telegram-bot-api-secret-token"), creds.webhook_secret);
  }

  parseInbound(req: WebhookRequest): InboundMessage[] {
    const update = parseJsonBody(req.rawBody) as TelegramUpdate | undefined;
    const message = update?.message ?? update?.edited_message;
    // Callback queries, chat member changes, polls …: acknowledged and ignored.
    if (!update || !message?.chat) return [];
    const edited = !update.message;
    const base = {
      providerMessageId: `${message.chat.id}:${message.message_id}`,
      from: String(message.chat.id),
      to: null,
      receivedAt: new Date((message.edit_date ?? message.date ?? 0) * 1000).toISOString(),
      metadata: {
        updateId: update.update_id,
        chatType: message.chat.type,
        username: message.from?.username ?? null,
        firstName: message.from?.first_name ?? null,
        edited,
      },
    };
    if (typeof message.text === "string") return [inboundMessage({ ...base, contentType: "text", text: message.text })];
    for (const [field, contentType] of NON_TEXT_FIELDS) {
      if (message[field] !== undefined) {
        const caption = typeof message.caption === "string" ? ` ${message.caption}` : "";
        const media = telegramMedia(message, field);
        const metadata = media.length ? { ...base.metadata, [INBOUND_MEDIA_KEY]: media } : base.metadata;
        return [inboundMessage({ ...base, metadata, contentType, text: `[${field}]${caption}` })];
      }
    }
    return [inboundMessage({ ...base, contentType: "unsupported", text: "[unsupported message]" })];
  }

  /** The Bot API has no delivery receipts: a 200 from sendMessage is the last word. */
  parseStatus(_req: WebhookRequest): StatusUpdate[] {
    return [];
  }
}

/**
 * The message id a reply quotes. Inbound ids are stored as "<chat id>:<message id>" (message ids
 * are unique only within a chat); a bare number is taken as it is.
 */
function repliedMessageId(providerMessageId: string): number | undefined {
  const id = Number(providerMessageId.slice(providerMessageId.lastIndexOf(":") + 1));
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/**
 * The Bot API method and field that send each kind of media by URL (Telegram downloads it: 5 MB
 * for photos, 20 MB for other files by URL). Docs: https://core.telegram.org/bots/api#sendphoto,
 * #senddocument, #sendaudio, #sendvideo and https://core.telegram.org/bots/api#sending-files
 */
/**
 * The file_id of the file a send carried, from the Message it answered: a photo comes in several
 * sizes (the last is the largest, the one we sent), the other kinds as one object.
 * Docs: https://core.telegram.org/bots/api#message
 */
function sentFileId(result: unknown, field: string): string | undefined {
  const value = (result as Record<string, unknown> | undefined)?.[field];
  const file = Array.isArray(value) ? value.at(-1) : value;
  const id = (file as { file_id?: unknown } | undefined)?.file_id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

const TELEGRAM_SEND_METHODS: Record<DispatchAttachment["kind"], { name: string; field: string }> = {
  image: { name: "sendPhoto", field: "photo" },
  document: { name: "sendDocument", field: "document" },
  audio: { name: "sendAudio", field: "audio" },
  video: { name: "sendVideo", field: "video" },
};

/** Telegram's `kind` for each media field; location and contact carry no file. */
const TELEGRAM_MEDIA_KINDS: Record<string, InboundMedia["kind"]> = {
  photo: "image",
  video: "video",
  animation: "video",
  voice: "audio",
  audio: "audio",
  document: "document",
  sticker: "sticker",
};

/**
 * The file_id of a message's photo (the largest size: Telegram lists them smallest first),
 * video, voice note, audio, document or sticker; fetched later through getFile with the bot token.
 * Docs: https://core.telegram.org/bots/api#message and https://core.telegram.org/bots/api#getfile
 */
function telegramMedia(message: TelegramMessage, field: string): InboundMedia[] {
  const kind = TELEGRAM_MEDIA_KINDS[field];
  if (!kind) return [];
  const value = message[field];
  const file = (Array.isArray(value) ? value[value.length - 1] : value) as
    { file_id?: unknown; mime_type?: unknown; file_name?: unknown } | undefined;
  return inboundMedia(file?.file_id, kind, file?.mime_type, file?.file_name);
}

interface TelegramMessage {
  message_id: number;
  date?: number;
  edit_date?: number;
  chat?: { id: number; type?: string };
  from?: { id: number; username?: string; first_name?: string };
  text?: string;
  caption?: string;
  [field: string]: unknown;
}

interface TelegramUpdate {
  update_id: number;
  message?: TelegramMessage;
  edited_message?: TelegramMessage;
}
