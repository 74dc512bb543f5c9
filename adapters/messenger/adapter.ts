/**
 * Messenger's adapter: sends through the Send API with the page access token and reads Meta-signed
 * webhooks for delivery and read watermarks and inbound messages.
 */

import { classifyHttpFailure } from "../contract/classify.js";
import type { ChannelAdapter, HttpAdapterOptions, ReadReceipt } from "../contract/contract.js";
import { HttpAdapterBase, parseJsonBody } from "../contract/http-adapter.js";
import { answerMetaChallenge, graphError, verifyMetaSignature } from "../contract/meta-webhook.js";
import { RecentKeys } from "../contract/recent-keys.js";
import { SendError } from "../../core/dispatch/send-error.js";
import {
  sentResult,
  type DispatchPayload,
  type DispatchResult,
  type MediaLocation,
  type MediaReuse,
  type WebhookRequest,
} from "../contract/types.js";
import {
  inboundMessage,
  statusUpdate,
  type InboundMessage,
  type StatusUpdate,
} from "../../core/messages/vocabulary.js";
import { MESSENGER_SECRET_FIELDS, MessengerCredentials } from "./credentials.js";
import { ATTACHMENT_TYPES, CODE_NAMES, MESSAGING_TYPES, RETRYABLE_CODES, THROTTLING_CODES } from "./vocabulary.js";
import { INBOUND_MEDIA_KEY, inboundMedia, type InboundMedia } from "../../core/media/inbound-media.js";
import type { DispatchAttachment } from "../../core/media/attachments.js";

/** Messenger Send API adapter. Docs: https://developers.facebook.com/docs/messenger-platform/reference/send-api */
export class MessengerAdapter extends HttpAdapterBase<typeof MessengerCredentials> implements ChannelAdapter {
  readonly credentialsSchema = MessengerCredentials;
  readonly secretFields = MESSENGER_SECRET_FIELDS;
  private readonly seen = new RecentKeys(10_000);

  /**
   * An attachment sent by URL with is_reusable answers its attachment_id, which later sends of the
   * same page pass instead of the URL (Messenger then fetches nothing); Meta names no expiry.
   * Docs: https://developers.facebook.com/docs/messenger-platform/send-messages/saving-assets
   */
  readonly mediaReuse: MediaReuse = { by: "first-send", lifetimeMs: null };

  constructor(opts: HttpAdapterOptions = {}) {
    super(opts, { channelType: "messenger", provider: "default", baseUrl: "https://graph.facebook.com" });
  }

  async send(payload: DispatchPayload): Promise<DispatchResult> {
    const creds = this.creds(payload.credentials);
    // Options stored before they had a field of their own are still in metadata. A reply to the
    // customer, like any message without a type, is a RESPONSE.
    const o = payload.options ?? {};
    const messagingType = o.messaging_type ?? (payload.metadata.messaging_type as string | undefined) ?? "RESPONSE";
    if (!MESSAGING_TYPES.includes(messagingType as (typeof MESSAGING_TYPES)[number])) {
      throw this.logRefusal(
        new SendError({
          kind: "permanent",
          code: "invalid_messaging_type",
          message: `messaging_type must be one of ${MESSAGING_TYPES.join(", ")}`,
        }),
        {
          messageId: payload.messageId,
        },
      );
    }
    const tag = o.tag ?? (payload.metadata.tag as string | undefined);
    const post = async (message: Record<string, unknown>) => {
      const reply = await this.http(creds, {
        method: "POST",
        // The Send API takes the page token as a query parameter; the redactor keeps it out of logs.
        url: `${this.baseUrl}/${creds.api_version}/me/messages?access_token=${encodeURIComponent(creds.page_access_token)}`,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          recipient: { id: payload.deliveryAddress },
          messaging_type: messagingType,
          message,
          ...(tag ? { tag } : {}),
        }),
      });
      const json = reply.json as { recipient_id?: string; message_id?: string; attachment_id?: unknown } | undefined;
      if (reply.status >= 200 && reply.status < 300 && json?.message_id)
        return {
          id: json.message_id,
          recipientId: json.recipient_id ?? payload.deliveryAddress,
          attachmentId: typeof json.attachment_id === "string" ? json.attachment_id : undefined,
        };
      throw this.classify(reply.status, reply.json, reply.retryAfterMs, creds);
    };
    const media = payload.attachments?.[0];
    if (!media) {
      const sent = await post({ text: payload.messageBody });
      return sentResult(sent.id, { recipientId: sent.recipientId });
    }
    // An attachment message carries no text: the text goes first as its own message, then the
    // attachment: by the page's attachment_id when it sent this object before, else by URL
    // (Messenger fetches it) asking for an attachment_id to reuse. The attachment's id is the message's.
    // Docs: https://developers.facebook.com/docs/messenger-platform/send-messages/#url
    const text = payload.messageBody ? await post({ text: payload.messageBody }) : undefined;
    const sent = await post({
      attachment: {
        type: MESSENGER_SEND_TYPES[media.kind],
        payload: media.providerRef ? { attachment_id: media.providerRef } : { url: media.url, is_reusable: true },
      },
    });
    const result = sentResult(sent.id, { recipientId: sent.recipientId, textMessageId: text?.id ?? null });
    return !media.providerRef && sent.attachmentId ? { ...result, mediaRef: sent.attachmentId } : result;
  }

  private classify(status: number, json: unknown, retryAfterMs: number | null, creds: MessengerCredentials): SendError {
    const err = graphError(json);
    return classifyHttpFailure(
      {
        status,
        providerCode: err?.code !== undefined ? String(err.code) : null,
        message: this.redactor(creds).text(err?.message ?? `HTTP ${status}`),
        retryAfterMs,
      },
      { throttlingCodes: THROTTLING_CODES, retryableCodes: RETRYABLE_CODES, codeNames: CODE_NAMES },
    );
  }

  /**
   * Shows the customer their messages as seen: Messenger's sender action mark_seen to the PSID.
   * Docs: https://developers.facebook.com/docs/messenger-platform/send-messages/sender-actions
   */
  async markRead(credentials: unknown, read: ReadReceipt): Promise<void> {
    const creds = this.creds(credentials);
    const reply = await this.http(creds, {
      method: "POST",
      url: `${this.baseUrl}/${creds.api_version}/me/messages?access_token=${encodeURIComponent(creds.page_access_token)}`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ recipient: { id: read.from }, sender_action: "mark_seen" }),
    });
    if (reply.status < 200 || reply.status >= 300)
      throw this.classify(reply.status, reply.json, reply.retryAfterMs, creds);
  }

  /**
   * An inbound attachment's payload.url is a signed CDN URL that needs no token: nothing of the
   * page's credentials goes with it.
   * Docs: https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages
   */
  locateInboundMedia(ref: string, credentials: unknown): Promise<MediaLocation> {
    this.creds(credentials);
    return Promise.resolve({ url: ref, headers: {}, secrets: [] });
  }

  protected async probe(creds: MessengerCredentials): Promise<void> {
    const reply = await this.http(creds, {
      method: "GET",
      url: `${this.baseUrl}/${creds.api_version}/me?fields=id,name&access_token=${encodeURIComponent(creds.page_access_token)}`,
    });
    if (reply.status !== 200) throw this.classify(reply.status, reply.json, reply.retryAfterMs, creds);
  }

  verifyWebhookSignature(req: WebhookRequest, credentials: unknown): boolean {
    return verifyMetaSignature(req, this.creds(credentials).app_secret);
  }

  answerVerificationChallenge(req: WebhookRequest, credentials: unknown): string | null {
    return answerMetaChallenge(req, this.creds(credentials).verify_token);
  }

  /**
   * Delivery events list the message ids they confirm, so each becomes a "delivered" update.
   * Read events carry only a watermark: every message to that user sent before it was read,
   * so the update names the recipient and the watermark and leaves the id null.
   * Docs: https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-deliveries
   *       https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/message-reads
   */
  parseStatus(req: WebhookRequest): StatusUpdate[] {
    const out: StatusUpdate[] = [];
    for (const event of messagingEvents(req)) {
      const user = event.sender?.id ?? null;
      if (event.delivery) {
        const watermark = toIso(event.delivery.watermark);
        for (const mid of event.delivery.mids ?? []) {
          if (!this.seen.add(`delivered:${mid}`)) continue;
          out.push(
            statusUpdate({
              providerMessageId: mid,
              status: "delivered",
              recipient: user,
              watermark,
              occurredAt: watermark,
            }),
          );
        }
      }
      if (event.read) {
        const watermark = toIso(event.read.watermark);
        if (!this.seen.add(`read:${user}:${event.read.watermark}`)) continue;
        out.push(
          statusUpdate({
            providerMessageId: null,
            status: "read",
            recipient: user,
            watermark,
            occurredAt: toIso(event.timestamp) ?? watermark,
          }),
        );
      }
    }
    return out;
  }

  parseInbound(req: WebhookRequest): InboundMessage[] {
    const out: InboundMessage[] = [];
    for (const event of messagingEvents(req)) {
      const m = event.message;
      // Echoes are our own outgoing messages reflected back; they are not inbound.
      if (!m?.mid || m.is_echo || !event.sender?.id) continue;
      if (!this.seen.add(`message:${m.mid}`)) continue;
      const attachment = m.attachments?.[0];
      const contentType =
        m.text !== undefined ? "text" : (ATTACHMENT_TYPES.get(attachment?.type as never) ?? "unsupported");
      const text = m.text ?? `[${attachment?.type ?? "unsupported"}]`;
      out.push(
        inboundMessage({
          providerMessageId: m.mid,
          from: event.sender.id,
          to: event.recipient?.id ?? null,
          contentType,
          text,
          receivedAt: toIso(event.timestamp) ?? new Date().toISOString(),
          metadata: {
            quickReply: m.quick_reply?.payload ?? null,
            attachments: m.attachments?.length ?? 0,
            ...messengerMedia(m.attachments),
          },
        }),
      );
    }
    return out;
  }
}

/** The Send API's attachment type for each kind of media. */
const MESSENGER_SEND_TYPES: Record<DispatchAttachment["kind"], string> = {
  image: "image",
  video: "video",
  audio: "audio",
  document: "file",
};

/** Messenger's attachment types that carry a file. */
const MESSENGER_MEDIA_KINDS: Record<string, InboundMedia["kind"]> = {
  image: "image",
  video: "video",
  audio: "audio",
  file: "document",
};

/**
 * The URL of every image, video, audio or file attachment (Messenger hosts them; the URL is fetched
 * later, with the same safety rules as any outbound address).
 * Docs: https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages
 */
function messengerMedia(attachments: Array<{ type?: string; payload?: unknown }> | undefined): {
  media?: InboundMedia[];
} {
  const media = (attachments ?? []).flatMap((a) => {
    const kind = MESSENGER_MEDIA_KINDS[a.type ?? ""];
    return kind ? inboundMedia((a.payload as { url?: unknown } | undefined)?.url, kind) : [];
  });
  return media.length ? { [INBOUND_MEDIA_KEY]: media } : {};
}

interface MessagingEvent {
  sender?: { id: string };
  recipient?: { id: string };
  timestamp?: number;
  message?: {
    mid?: string;
    text?: string;
    is_echo?: boolean;
    quick_reply?: { payload?: string };
    attachments?: Array<{ type?: string; payload?: unknown }>;
  };
  delivery?: { mids?: string[]; watermark?: number };
  read?: { watermark?: number };
}

function messagingEvents(req: WebhookRequest): MessagingEvent[] {
  const body = parseJsonBody(req.rawBody) as
    { object?: string; entry?: Array<{ messaging?: MessagingEvent[] }> } | undefined;
  if (body?.object !== "page") return [];
  return (body.entry ?? []).flatMap((e) => e.messaging ?? []);
}

/** Messenger timestamps and watermarks are epoch milliseconds. */
function toIso(ms: number | undefined): string | null {
  return typeof ms === "number" && ms > 0 ? new Date(ms).toISOString() : null;
}
