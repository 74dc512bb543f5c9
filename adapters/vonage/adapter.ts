/**
 * Vonage's adapter: sends SMS through the SMS API and reads delivery receipts and inbound SMS, signed
 * as signature.ts describes.
 */

import { classifyHttpFailure } from "../contract/classify.js";
import type { ChannelAdapter, HttpAdapterOptions } from "../contract/contract.js";
import { formBody } from "../contract/http.js";
import { HttpAdapterBase, parseForm, parseJsonBody } from "../contract/http-adapter.js";
import { SendError } from "../../core/dispatch/send-error.js";
import { detectEncoding, segmentInfo } from "../../core/sms/encoding.js";
import { sentResult, type DispatchPayload, type DispatchResult, type WebhookRequest } from "../contract/types.js";
import {
  inboundMessage,
  statusUpdate,
  type InboundMessage,
  type StatusUpdate,
} from "../../core/messages/vocabulary.js";
import { VONAGE_SECRET_FIELDS, VonageCredentials } from "./credentials.js";
import { verifyVonageSignature } from "./signature.js";
import { DLR_ERROR_NAMES, DLR_OPT_OUT_CODES, DLR_STATUS_MAP, SEND_STATUS } from "./vocabulary.js";

interface VonageMessage {
  to?: string;
  "message-id"?: string;
  status: string;
  "error-text"?: string;
  "remaining-balance"?: string;
  "message-price"?: string;
  network?: string;
}

/** Vonage SMS API. Docs: https://developer.vonage.com/en/api/sms */
export class VonageAdapter extends HttpAdapterBase<typeof VonageCredentials> implements ChannelAdapter {
  readonly credentialsSchema = VonageCredentials;
  readonly secretFields = VONAGE_SECRET_FIELDS;
  /** Text only: attachments are refused, or sent as links where the channel's media_fallback says so. */
  readonly sendsMedia = false;

  constructor(opts: HttpAdapterOptions = {}) {
    super(opts, { channelType: "sms", provider: "vonage", baseUrl: "https://rest.nexmo.com" });
  }

  async send(payload: DispatchPayload): Promise<DispatchResult> {
    // SMS through this provider carries text only: a message with media is refused, not sent without it.
    if (payload.attachments?.length)
      throw this.logRefusal(
        new SendError({
          kind: "permanent",
          code: "media_not_supported",
          message: "Vonage SMS carries no media: send a link in the text, or use an MMS-capable channel",
        }),
        { messageId: payload.messageId },
      );
    const creds = this.creds(payload.credentials);
    const unicode = detectEncoding(payload.messageBody) === "ucs2";
    const reply = await this.http(creds, {
      method: "POST",
      url: `${this.baseUrl}/sms/json`,
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: formBody({
        api_key: creds.api_key,
        api_secret: creds.api_secret,
        from: creds.from,
        to: payload.deliveryAddress.replace(/^\+/, ""),
        text: payload.messageBody,
        type: unicode ? "unicode" : "text",
        callback: creds.callback_url,
        "client-ref": payload.messageId.slice(0, 40),
      }),
    });
    const redact = (t: string) => this.redactor(creds).text(t);
    if (reply.status !== 200) {
      throw classifyHttpFailure({
        status: reply.status,
        providerCode: null,
        message: redact(reply.text.slice(0, 200) || `HTTP ${reply.status}`),
        retryAfterMs: reply.retryAfterMs,
      });
    }
    // The SMS API answers 200 even on failure; each part has its own status, "0" meaning accepted.
    const messages = (reply.json as { messages?: VonageMessage[] } | undefined)?.messages ?? [];
    const failed = messages.find((m) => m.status !== "0");
    if (messages.length === 0 || failed) {
      const status = failed?.status ?? "5";
      const rule = SEND_STATUS.get(status) ?? { kind: "permanent" as const, code: "provider_rejected" };
      throw new SendError({
        ...rule,
        providerCode: status,
        message: redact(failed?.["error-text"] ?? "empty response"),
      });
    }
    const ids = messages.map((m) => m["message-id"]).filter((id): id is string => Boolean(id));
    const local = segmentInfo(payload.messageBody);
    return sentResult(ids[0]!, {
      // Long messages are split by Vonage; each part has its own id and its own receipt.
      messageIds: ids,
      segments: messages.length,
      encoding: local.encoding,
      price: messages.reduce((sum, m) => sum + Number(m["message-price"] ?? 0), 0).toFixed(8),
      network: messages[0]?.network ?? null,
    });
  }

  protected async probe(creds: VonageCredentials): Promise<void> {
    const reply = await this.http(creds, {
      method: "GET",
      url: `${this.baseUrl}/account/get-balance?api_key=${encodeURIComponent(creds.api_key)}&api_secret=${encodeURIComponent(creds.api_secret)}`,
      headers: { accept: "application/json" },
    });
    if (reply.status !== 200) {
      const label = (reply.json as { "error-code-label"?: unknown } | undefined)?.["error-code-label"];
      throw classifyHttpFailure({
        status: reply.status,
        providerCode: null,
        message: this.redactor(creds).text(
          typeof label === "string" ? `HTTP ${reply.status}: ${label}` : `HTTP ${reply.status}`,
        ),
        retryAfterMs: reply.retryAfterMs,
      });
    }
  }

  verifyWebhookSignature(req: WebhookRequest, credentials: unknown): boolean {
    const creds = this.creds(credentials);
    return verifyVonageSignature(webhookParams(req), creds.signature_secret, creds.signature_method);
  }

  parseStatus(req: WebhookRequest): StatusUpdate[] {
    const p = webhookParams(req);
    const status = p.status ? DLR_STATUS_MAP.get(p.status) : undefined;
    if (!status || !p.messageId) return [];
    const err = p["err-code"] && p["err-code"] !== "0" ? p["err-code"] : null;
    return [
      statusUpdate({
        providerMessageId: p.messageId,
        status,
        recipient: p.msisdn ? `+${p.msisdn}` : null,
        errorCode: err,
        errorMessage: err ? (DLR_ERROR_NAMES.get(err) ?? null) : null,
        optOut: err !== null && DLR_OPT_OUT_CODES.has(err),
        occurredAt: vonageTime(p.scts ? sctsToIso(p.scts) : p["message-timestamp"]),
        metadata: {
          networkCode: p["network-code"] ?? null,
          price: p.price ?? null,
          clientRef: p["client-ref"] ?? null,
        },
      }),
    ];
  }

  parseInbound(req: WebhookRequest): InboundMessage[] {
    const p = webhookParams(req);
    if (p.status || !p.messageId || !p.msisdn || p.text === undefined) return [];
    return [
      inboundMessage({
        providerMessageId: p.messageId,
        from: `+${p.msisdn}`,
        to: p.to ?? null,
        text: p.text,
        contentType: p.type === "binary" ? "unsupported" : "text",
        receivedAt: vonageTime(p["message-timestamp"]) ?? this.now().toISOString(),
        metadata: {
          keyword: p.keyword ?? null,
          // Long inbound messages arrive as separate parts; the consumer joins them by concat-ref.
          concat:
            p.concat === "true"
              ? { ref: p["concat-ref"], total: Number(p["concat-total"]), part: Number(p["concat-part"]) }
              : null,
        },
      }),
    ];
  }
}

/** Vonage sends webhooks as GET query, form POST or JSON POST depending on account settings. */
export function webhookParams(req: WebhookRequest): Record<string, string> {
  const query = Object.fromEntries(new URL(req.url, "http://placeholder").searchParams);
  if (!req.rawBody) return query;
  const json = parseJsonBody(req.rawBody);
  if (json && typeof json === "object") {
    return {
      ...query,
      ...Object.fromEntries(Object.entries(json as Record<string, unknown>).map(([k, v]) => [k, String(v)])),
    };
  }
  return { ...query, ...parseForm(req.rawBody) };
}

/** "2024-11-22 10:05:03" (UTC) → ISO. */
function vonageTime(value: string | undefined): string | null {
  if (!value) return null;
  const t = Date.parse(value.includes("T") ? value : value.replace(" ", "T") + "Z");
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** scts is YYMMDDHHMM (UTC), the SMSC's completion time. */
function sctsToIso(scts: string): string | undefined {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(scts);
  return m ? `20${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00Z` : undefined;
}
