/**
 * WhatsApp Cloud API's adapter: sends text and template messages (free-form text only within 24 hours
 * of the customer's last message, from the payload's server-stamped lastInboundAt; outside it the
 * message's outside_window_template, if any), threads replies, and reads Meta-signed webhooks for
 * statuses and inbound messages.
 */

import { classifyHttpFailure } from "../contract/classify.js";
import type { ChannelAdapter, HttpAdapterOptions, ReadReceipt } from "../contract/contract.js";
import { HttpAdapterBase, parseJsonBody } from "../contract/http-adapter.js";
import { answerMetaChallenge, epochSecondsToIso, graphError, verifyMetaSignature } from "../contract/meta-webhook.js";
import { RecentKeys } from "../contract/recent-keys.js";
import { SendError } from "../../core/dispatch/send-error.js";
import {
  sentResult,
  type DispatchPayload,
  type DispatchResult,
  type MediaLocation,
  type MediaReuse,
  type MediaUpload,
  type WebhookRequest,
} from "../contract/types.js";
import { multipartBody } from "../contract/http.js";
import {
  inboundMessage,
  statusUpdate,
  type InboundMessage,
  type StatusUpdate,
} from "../../core/messages/vocabulary.js";
import { WHATSAPP_SECRET_FIELDS, WhatsAppCredentials } from "./credentials.js";
import { whatsappSendPlan } from "../../core/messages/care-window.js";
import { INBOUND_MEDIA_KEY, inboundMedia, type InboundMedia } from "../../core/media/inbound-media.js";
import type { DispatchAttachment } from "../../core/media/attachments.js";
import type { WhatsAppTemplate } from "../../core/messages/channel-options.js";
import {
  CODE_NAMES,
  E164,
  MEDIA_TYPES,
  OPT_OUT_CODES,
  RETRYABLE_CODES,
  STATUS_CODE_NAMES,
  STATUS_MAP,
  THROTTLING_CODES,
  MEDIA_UPLOAD_TIMEOUT_MS,
  WHATSAPP_MEDIA_LIFETIME_MS,
} from "./vocabulary.js";

/** WhatsApp Cloud API adapter. Docs: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages */
export class WhatsAppAdapter extends HttpAdapterBase<typeof WhatsAppCredentials> implements ChannelAdapter {
  readonly credentialsSchema = WhatsAppCredentials;
  readonly secretFields = WHATSAPP_SECRET_FIELDS;
  /** Meta retries webhooks and may repeat a status; remember recent ones so each yields one result. */
  private readonly seen = new RecentKeys(10_000);

  /**
   * A media object is uploaded once per phone number and sent by its id after that; Meta keeps an
   * uploaded object 30 days. Docs: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#upload-media
   */
  readonly mediaReuse: MediaReuse = { by: "upload", lifetimeMs: WHATSAPP_MEDIA_LIFETIME_MS };

  constructor(opts: HttpAdapterOptions = {}) {
    super(opts, { channelType: "whatsapp", provider: "default", baseUrl: "https://graph.facebook.com" });
  }

  /** POST /{phone number id}/media (multipart: messaging_product, type, file) answers `{id}`. */
  async uploadMedia(credentials: unknown, media: MediaUpload): Promise<string> {
    const creds = this.creds(credentials);
    const form = multipartBody(
      { messaging_product: "whatsapp", type: media.contentType },
      { field: "file", filename: media.filename ?? "media", contentType: media.contentType, bytes: media.bytes },
    );
    const reply = await this.http(creds, {
      method: "POST",
      url: `${this.baseUrl}/${creds.api_version}/${creds.phone_number_id}/media`,
      headers: { authorization: `Bearer ${creds.access_token}`, "content-type": form.contentType },
      body: form.body,
      timeoutMs: MEDIA_UPLOAD_TIMEOUT_MS,
    });
    const id = (reply.json as { id?: unknown } | undefined)?.id;
    if (reply.status >= 200 && reply.status < 300 && typeof id === "string" && id !== "") return id;
    if (reply.status >= 200 && reply.status < 300)
      throw new SendError({ kind: "permanent", code: "provider_rejected", message: "the upload answer has no id" });
    throw this.classify(reply.status, reply.json, reply.retryAfterMs, creds);
  }

  async send(payload: DispatchPayload): Promise<DispatchResult> {
    const creds = this.creds(payload.credentials);
    const refuse = (code: string, message: string) =>
      this.logRefusal(new SendError({ kind: "permanent", code, message }), { messageId: payload.messageId });
    if (!E164.test(payload.deliveryAddress))
      throw refuse("invalid_recipient", "WhatsApp recipients must be E.164 phone numbers");
    // Options stored before they had a field of their own are still in metadata.
    const legacy = payload.metadata;
    const options = {
      ...(legacy.template !== undefined ? { template: legacy.template as WhatsAppTemplate } : {}),
      ...payload.options,
    };
    // The window is read from the server's record of the customer's last message, at send time:
    // it may have closed since the message was queued.
    const plan = whatsappSendPlan(options, payload.lastInboundAt, this.now());
    if (plan.kind === "refuse") throw refuse(plan.code, plan.message);
    const template = plan.kind === "template" ? plan.template : undefined;
    const to = payload.deliveryAddress.replace(/^\+/, "");
    // A reply quotes the customer's message. Docs: https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-messages#replies
    const context = payload.replyTo ? { context: { message_id: payload.replyTo } } : {};
    const previewUrl = (options.preview_url ?? legacy.preview_url) === true;
    // One media object per message (the API allows one): sent by link, the text as its caption.
    const media = template ? undefined : payload.attachments?.[0];
    const body = template
      ? {
          messaging_product: "whatsapp",
          recipient_type: "individual",
          to,
          ...context,
          type: "template",
          template: {
            name: template.name,
            language: { code: template.language },
            ...(template.components ? { components: template.components } : {}),
          },
        }
      : media
        ? {
            messaging_product: "whatsapp",
            recipient_type: "individual",
            to,
            ...context,
            type: media.kind,
            [media.kind]: whatsappMediaObject(media, payload.messageBody),
          }
        : {
            messaging_product: "whatsapp",
            recipient_type: "individual",
            to,
            ...context,
            type: "text",
            text: { preview_url: previewUrl, body: payload.messageBody },
          };
    const reply = await this.http(creds, {
      method: "POST",
      url: `${this.baseUrl}/${creds.api_version}/${creds.phone_number_id}/messages`,
      headers: { authorization: `Bearer ${creds.access_token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = reply.json as
      { messages?: Array<{ id: string; message_status?: string }>; contacts?: Array<{ wa_id: string }> } | undefined;
    const id = json?.messages?.[0]?.id;
    if (reply.status >= 200 && reply.status < 300 && id) {
      return sentResult(id, {
        waId: json?.contacts?.[0]?.wa_id ?? null,
        kind: template ? "template" : media ? media.kind : "text",
      });
    }
    throw this.classify(reply.status, reply.json, reply.retryAfterMs, creds);
  }

  /**
   * Marks the customer's message read (blue ticks); WhatsApp takes the message id only.
   * Docs: https://developers.facebook.com/docs/whatsapp/cloud-api/guides/mark-message-as-read
   */
  async markRead(credentials: unknown, read: ReadReceipt): Promise<void> {
    const creds = this.creds(credentials);
    const reply = await this.http(creds, {
      method: "POST",
      url: `${this.baseUrl}/${creds.api_version}/${creds.phone_number_id}/messages`,
      headers: { authorization: `Bearer ${creds.access_token}`, "content-type": "application/json" },
      body: JSON.stringify({ messaging_product: "whatsapp", status: "read", message_id: read.providerMessageId }),
    });
    if (reply.status < 200 || reply.status >= 300)
      throw this.classify(reply.status, reply.json, reply.retryAfterMs, creds);
  }

  private classify(status: number, json: unknown, retryAfterMs: number | null, creds: WhatsAppCredentials): SendError {
    const err = graphError(json);
    const details = err?.error_data?.details ? ` (${err.error_data.details})` : "";
    return classifyHttpFailure(
      {
        status,
        providerCode: err?.code !== undefined ? String(err.code) : null,
        message: this.redactor(creds).text(`${err?.message ?? `HTTP ${status}`}${details}`),
        retryAfterMs,
      },
      {
        throttlingCodes: THROTTLING_CODES,
        retryableCodes: RETRYABLE_CODES,
        optOutCodes: OPT_OUT_CODES,
        codeNames: CODE_NAMES,
      },
    );
  }

  /**
   * A media id becomes a short-lived download URL (GET /{media id}), which itself needs the bearer
   * token. Docs: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#retrieve-media-url
   */
  async locateInboundMedia(ref: string, credentials: unknown): Promise<MediaLocation> {
    const creds = this.creds(credentials);
    const authorization = `Bearer ${creds.access_token}`;
    const reply = await this.http(creds, {
      method: "GET",
      url: `${this.baseUrl}/${creds.api_version}/${encodeURIComponent(ref)}`,
      headers: { authorization },
    });
    const url = (reply.json as { url?: unknown } | undefined)?.url;
    if (reply.status === 200 && typeof url === "string" && url !== "")
      return { url, headers: { authorization }, secrets: [creds.access_token] };
    if (reply.status === 200)
      throw new SendError({ kind: "permanent", code: "provider_rejected", message: "the media answer has no url" });
    throw this.classify(reply.status, reply.json, reply.retryAfterMs, creds);
  }

  protected async probe(creds: WhatsAppCredentials): Promise<void> {
    const reply = await this.http(creds, {
      method: "GET",
      url: `${this.baseUrl}/${creds.api_version}/${creds.phone_number_id}?fields=id,display_phone_number`,
      headers: { authorization: `Bearer ${creds.access_token}` },
    });
    if (reply.status !== 200) throw this.classify(reply.status, reply.json, reply.retryAfterMs, creds);
  }

  verifyWebhookSignature(req: WebhookRequest, credentials: unknown): boolean {
    return verifyMetaSignature(req, this.creds(credentials).app_secret);
  }

  answerVerificationChallenge(req: WebhookRequest, credentials: unknown): string | null {
    return answerMetaChallenge(req, this.creds(credentials).verify_token);
  }

  parseStatus(req: WebhookRequest): StatusUpdate[] {
    const out: StatusUpdate[] = [];
    for (const value of changeValues(req)) {
      for (const s of value.statuses ?? []) {
        const status = STATUS_MAP.get(s.status as never);
        if (!status || !s.id) continue;
        if (!this.seen.add(`status:${s.id}:${s.status}`)) continue;
        const error = s.errors?.[0];
        const code = error?.code !== undefined ? String(error.code) : null;
        const named = code !== null ? STATUS_CODE_NAMES.get(code) : undefined;
        out.push(
          statusUpdate({
            providerMessageId: s.id,
            status,
            recipient: s.recipient_id ?? null,
            occurredAt: epochSecondsToIso(s.timestamp),
            errorCode: named ?? code,
            errorMessage: error ? [error.title, error.error_data?.details].filter(Boolean).join(": ") : null,
            optOut: code !== null && OPT_OUT_CODES.has(code),
            metadata: {
              conversationId: s.conversation?.id ?? null,
              category: s.pricing?.category ?? s.conversation?.origin?.type ?? null,
              billable: s.pricing?.billable ?? null,
              ...(named ? { providerCode: code } : {}),
            },
          }),
        );
      }
    }
    return out;
  }

  parseInbound(req: WebhookRequest): InboundMessage[] {
    const out: InboundMessage[] = [];
    for (const value of changeValues(req)) {
      const names = new Map((value.contacts ?? []).map((c) => [c.wa_id, c.profile?.name ?? null]));
      for (const m of value.messages ?? []) {
        if (!m.id || !m.from) continue;
        if (!this.seen.add(`message:${m.id}`)) continue;
        const { contentType, text } = describeMessage(m);
        out.push(
          inboundMessage({
            providerMessageId: m.id,
            from: `+${m.from.replace(/^\+/, "")}`,
            to: value.metadata?.display_phone_number ?? null,
            contentType,
            text,
            receivedAt: epochSecondsToIso(m.timestamp) ?? this.now().toISOString(),
            metadata: {
              profileName: names.get(m.from) ?? null,
              phoneNumberId: value.metadata?.phone_number_id ?? null,
              type: m.type,
              context: m.context?.id ?? null,
              ...mediaOf(m),
            },
          }),
        );
      }
    }
    return out;
  }
}

/**
 * A media message's object: by `id` when the object was uploaded to this phone number, else by
 * `link` (Meta fetches it; our stored media are signed links), with the text as caption where the
 * type has one (audio has none) and the file name for documents.
 * Docs: https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages#media-object
 */
function whatsappMediaObject(media: DispatchAttachment, caption: string): Record<string, string> {
  return {
    ...(media.providerRef ? { id: media.providerRef } : { link: media.url }),
    ...(caption && media.kind !== "audio" ? { caption } : {}),
    ...(media.kind === "document" && media.filename ? { filename: media.filename } : {}),
  };
}

/**
 * The media id of an image, video, audio, voice note, document or sticker (with its declared type
 * and file name): fetched later from Graph's /{media-id} with the channel's access token.
 * Docs: https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components#messages-object
 */
function mediaOf(m: WaMessage): { media?: InboundMedia[] } {
  const kind = MEDIA_TYPES.get(m.type as never);
  if (!kind) return {};
  const part = m[m.type] as { id?: unknown; mime_type?: unknown; filename?: unknown } | undefined;
  const media = inboundMedia(part?.id, kind, part?.mime_type, part?.filename);
  return media.length ? { [INBOUND_MEDIA_KEY]: media } : {};
}

function describeMessage(m: WaMessage): { contentType: InboundMessage["contentType"]; text: string } {
  if (m.type === "text") return { contentType: "text", text: m.text?.body ?? "" };
  const media = MEDIA_TYPES.get(m.type as never);
  if (media) {
    const caption = (m[m.type] as { caption?: string } | undefined)?.caption;
    return { contentType: media, text: caption ? `[${m.type}] ${caption}` : `[${m.type}]` };
  }
  if (m.type === "location")
    return { contentType: "location", text: `[location] ${m.location?.latitude},${m.location?.longitude}` };
  if (m.type === "contacts") return { contentType: "contact", text: "[contacts]" };
  if (m.type === "reaction") return { contentType: "reaction", text: `[reaction] ${m.reaction?.emoji ?? ""}`.trim() };
  if (m.type === "button") return { contentType: "text", text: m.button?.text ?? "" };
  if (m.type === "interactive") {
    const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
    return { contentType: "text", text: reply?.title ?? "[interactive]" };
  }
  return { contentType: "unsupported", text: `[unsupported: ${m.type}]` };
}

interface WaMessage {
  from: string;
  id: string;
  timestamp?: string;
  type: string;
  text?: { body: string };
  location?: { latitude: number; longitude: number };
  reaction?: { emoji?: string };
  button?: { text?: string };
  interactive?: { button_reply?: { title?: string }; list_reply?: { title?: string } };
  context?: { id?: string };
  [key: string]: unknown;
}

interface WaStatus {
  id: string;
  status: string;
  timestamp?: string;
  recipient_id?: string;
  errors?: Array<{ code?: number; title?: string; message?: string; error_data?: { details?: string } }>;
  conversation?: { id?: string; origin?: { type?: string } };
  pricing?: { billable?: boolean; category?: string };
}

interface ChangeValue {
  messaging_product?: string;
  metadata?: { display_phone_number?: string; phone_number_id?: string };
  contacts?: Array<{ wa_id: string; profile?: { name?: string } }>;
  messages?: WaMessage[];
  statuses?: WaStatus[];
}

/** entry[].changes[].value for the "messages" field; other fields (account updates …) are ignored. */
function changeValues(req: WebhookRequest): ChangeValue[] {
  const body = parseJsonBody(req.rawBody) as
    { object?: string; entry?: Array<{ changes?: Array<{ field?: string; value?: ChangeValue }> }> } | undefined;
  if (body?.object !== "whatsapp_business_account") return [];
  return (body.entry ?? []).flatMap((e) =>
    (e.changes ?? []).filter((c) => c.field === "messages" && c.value).map((c) => c.value!),
  );
}
