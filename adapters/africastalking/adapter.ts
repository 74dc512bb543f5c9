/**
 * Africa's Talking's adapter: sends SMS through its messaging API and reads delivery reports and inbound
 * SMS, which carry no signature and prove themselves with the token in the registered callback URL.
 */

import { classifyHttpFailure } from "../contract/classify.js";
import type { ChannelAdapter, HttpAdapterOptions } from "../contract/contract.js";
import { formBody } from "../contract/http.js";
import { HttpAdapterBase, parseForm } from "../contract/http-adapter.js";
import { SendError } from "../../core/dispatch/send-error.js";
import { safeEqual } from "../contract/signatures.js";
import { segmentInfo } from "../../core/sms/encoding.js";
import { sentResult, type DispatchPayload, type DispatchResult, type WebhookRequest } from "../contract/types.js";
import {
  inboundMessage,
  statusUpdate,
  type InboundMessage,
  type StatusUpdate,
} from "../../core/messages/vocabulary.js";
import { AFRICASTALKING_SECRET_FIELDS, AfricasTalkingCredentials } from "./credentials.js";
import {
  DLR_OPT_OUT_REASONS,
  DLR_STATUS_MAP,
  SEND_CODE_NAMES,
  SEND_OK_CODES,
  SEND_OPT_OUT_CODES,
  SEND_RETRYABLE_CODES,
} from "./vocabulary.js";

interface AtRecipient {
  statusCode: number;
  number: string;
  status: string;
  cost?: string;
  messageId?: string;
}

/** Africa's Talking SMS. Docs: https://developers.africastalking.com/docs/sms/overview */
export class AfricasTalkingAdapter extends HttpAdapterBase<typeof AfricasTalkingCredentials> implements ChannelAdapter {
  readonly credentialsSchema = AfricasTalkingCredentials;
  readonly secretFields = AFRICASTALKING_SECRET_FIELDS;
  /** Text only: attachments are refused, or sent as links where the channel's media_fallback says so. */
  readonly sendsMedia = false;

  constructor(opts: HttpAdapterOptions = {}) {
    super(opts, { channelType: "sms", provider: "africastalking", baseUrl: "https://api.africastalking.com" });
  }

  async send(payload: DispatchPayload): Promise<DispatchResult> {
    // SMS through this provider carries text only: a message with media is refused, not sent without it.
    if (payload.attachments?.length)
      throw this.logRefusal(
        new SendError({
          kind: "permanent",
          code: "media_not_supported",
          message: "Africa's Talking SMS carries no media: send a link in the text, or use an MMS-capable channel",
        }),
        { messageId: payload.messageId },
      );
    const creds = this.creds(payload.credentials);
    const reply = await this.http(creds, {
      method: "POST",
      url: `${this.baseUrl}/version1/messaging`,
      headers: {
        apiKey: creds.api_key,
        accept: "application/json",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: formBody({
        username: creds.username,
        to: payload.deliveryAddress,
        message: payload.messageBody,
        from: creds.sender_id,
      }),
    });
    const redact = (t: string) => this.redactor(creds).text(t);
    if (reply.status < 200 || reply.status >= 300) {
      // Errors come back as plain text ("The supplied authentication is invalid") or JSON.
      throw classifyHttpFailure({
        status: reply.status,
        providerCode: String(reply.status),
        message: redact(reply.text.slice(0, 200) || `HTTP ${reply.status}`),
        retryAfterMs: reply.retryAfterMs,
      });
    }
    const data = (reply.json as { SMSMessageData?: { Message?: string; Recipients?: AtRecipient[] } } | undefined)
      ?.SMSMessageData;
    const recipient = data?.Recipients?.[0];
    if (!recipient) {
      // "InvalidPhoneNumber" and friends can also arrive as an empty recipient list with a message.
      throw new SendError({
        kind: "permanent",
        code: "provider_rejected",
        message: redact(data?.Message ?? "no recipient in response"),
      });
    }
    if (SEND_OK_CODES.has(recipient.statusCode) && recipient.messageId) {
      const local = segmentInfo(payload.messageBody);
      return sentResult(recipient.messageId, {
        providerStatus: recipient.status,
        cost: recipient.cost ?? null,
        segments: local.segments,
        encoding: local.encoding,
      });
    }
    const code = recipient.statusCode;
    throw new SendError({
      kind: SEND_RETRYABLE_CODES.has(code) ? "retryable" : "permanent",
      code: SEND_CODE_NAMES.get(code) ?? "provider_rejected",
      providerCode: String(code),
      message: redact(recipient.status),
      optOut: SEND_OPT_OUT_CODES.has(code),
    });
  }

  protected async probe(creds: AfricasTalkingCredentials): Promise<void> {
    const reply = await this.http(creds, {
      method: "GET",
      url: `${this.baseUrl}/version1/user?username=${encodeURIComponent(creds.username)}`,
      headers: { apiKey: creds.api_key, accept: "application/json" },
    });
    if (reply.status !== 200) {
      // Africa's Talking answers a refused key in plain text ("The supplied authentication is invalid").
      const said = reply.text.trim().slice(0, 200);
      throw classifyHttpFailure({
        status: reply.status,
        providerCode: String(reply.status),
        message: this.redactor(creds).text(said ? `HTTP ${reply.status}: ${said}` : `HTTP ${reply.status}`),
        retryAfterMs: reply.retryAfterMs,
      });
    }
  }

  verifyWebhookSignature(req: WebhookRequest, credentials: unknown): boolean {
    const creds = this.creds(credentials);
    const token = new URL(req.url, "http://placeholder").searchParams.get("token");
    return safeEqual(token, creds.webhook_token);
  }

  parseStatus(req: WebhookRequest): StatusUpdate[] {
    const form = parseForm(req.rawBody);
    const status = form.status ? DLR_STATUS_MAP.get(form.status) : undefined;
    // Inbound SMS also has an `id`, but never a `status`.
    if (!status || !form.id) return [];
    const reason = form.failureReason || null;
    return [
      statusUpdate({
        providerMessageId: form.id,
        status,
        recipient: form.phoneNumber ?? null,
        errorCode: status === "failed" ? (reason ?? form.status ?? null) : null,
        errorMessage: status === "failed" ? `${form.status}${reason ? `: ${reason}` : ""}` : null,
        optOut: reason !== null && DLR_OPT_OUT_REASONS.has(reason),
        metadata: {
          networkCode: form.networkCode ?? null,
          retryCount: form.retryCount ? Number(form.retryCount) : null,
          providerStatus: form.status,
        },
      }),
    ];
  }

  parseInbound(req: WebhookRequest): InboundMessage[] {
    const form = parseForm(req.rawBody);
    if (form.status || !form.id || !form.from || form.text === undefined) return [];
    const at = form.date ? Date.parse(form.date) : NaN;
    return [
      inboundMessage({
        providerMessageId: form.id,
        from: form.from,
        to: form.to ?? null,
        text: form.text,
        receivedAt: Number.isNaN(at) ? this.now().toISOString() : new Date(at).toISOString(),
        // linkId lets a premium-SMS reply be billed to the inbound message.
        metadata: { linkId: form.linkId || null, networkCode: form.networkCode ?? null },
      }),
    ];
  }
}
