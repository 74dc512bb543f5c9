/**
 * Twilio's adapter: sends SMS through the Messages API and reads status callbacks and inbound SMS,
 * signed with X-Twilio-Signature (HMAC-SHA1 of the URL and form fields, keyed by the auth token).
 */

import { classifyHttpFailure } from "../contract/classify.js";
import type { ChannelAdapter, HttpAdapterOptions } from "../contract/contract.js";
import { formBody } from "../contract/http.js";
import { HttpAdapterBase, parseForm } from "../contract/http-adapter.js";
import { hmac, safeEqual } from "../contract/signatures.js";
import { segmentInfo } from "../../core/sms/encoding.js";
import type { SendError } from "../../core/dispatch/send-error.js";
import {
  header,
  sentResult,
  type DispatchPayload,
  type DispatchResult,
  type MediaLocation,
  type WebhookRequest,
} from "../contract/types.js";
import {
  inboundMessage,
  statusUpdate,
  type InboundMessage,
  type StatusUpdate,
} from "../../core/messages/vocabulary.js";
import { TWILIO_SECRET_FIELDS, TwilioCredentials } from "./credentials.js";
import { CODE_NAMES, OPT_OUT_CODES, STATUS_MAP, THROTTLING_CODES } from "./vocabulary.js";
import { INBOUND_MEDIA_KEY, inboundMedia } from "../../core/media/inbound-media.js";

/**
 * MediaUrl0…MediaUrl{NumMedia-1} with their MediaContentTypeN: Twilio hosts an MMS's media; the
 * URLs are fetched later with the account's credentials (Basic auth when the account requires it).
 * Docs: https://www.twilio.com/docs/messaging/guides/webhook-request#media-related-parameters
 */
function twilioMedia(form: Record<string, string | undefined>, count: number) {
  const media = Array.from({ length: Math.min(count, 10) }, (_, i) =>
    inboundMedia(form[`MediaUrl${i}`], undefined, form[`MediaContentType${i}`]),
  ).flat();
  return media.length ? { [INBOUND_MEDIA_KEY]: media } : {};
}

/** Twilio Programmable Messaging (SMS). Docs: https://www.twilio.com/docs/messaging/api/message-resource */
export class TwilioAdapter extends HttpAdapterBase<typeof TwilioCredentials> implements ChannelAdapter {
  readonly credentialsSchema = TwilioCredentials;
  readonly secretFields = TWILIO_SECRET_FIELDS;

  constructor(opts: HttpAdapterOptions = {}) {
    super(opts, { channelType: "sms", provider: "twilio", baseUrl: "https://api.twilio.com" });
  }

  private auth(creds: TwilioCredentials): string {
    return "Basic " + Buffer.from(`${creds.account_sid}:${creds.auth_token}`).toString("base64");
  }

  async send(payload: DispatchPayload): Promise<DispatchResult> {
    const creds = this.creds(payload.credentials);
    const reply = await this.http(creds, {
      method: "POST",
      url: `${this.baseUrl}/2010-04-01/Accounts/${creds.account_sid}/Messages.json`,
      headers: {
        authorization: this.auth(creds),
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: [
        formBody({
          To: payload.deliveryAddress,
          From: creds.messaging_service_sid ? undefined : creds.from,
          MessagingServiceSid: creds.messaging_service_sid,
          Body: payload.messageBody,
          StatusCallback: creds.status_callback_url,
        }),
        // MMS: one MediaUrl per attachment (up to 10), which Twilio fetches; ours are signed links.
        // Docs: https://www.twilio.com/docs/messaging/api/message-resource#request-body-parameters
        ...(payload.attachments ?? []).map((a) => new URLSearchParams({ MediaUrl: a.url }).toString()),
      ].join("&"),
    });
    const json = reply.json as
      { sid?: string; status?: string; num_segments?: string; code?: number; message?: string } | undefined;
    if (reply.status >= 200 && reply.status < 300 && json?.sid) {
      const local = segmentInfo(payload.messageBody);
      return sentResult(json.sid, {
        providerStatus: json.status ?? null,
        segments: Number(json.num_segments ?? local.segments) || local.segments,
        encoding: local.encoding,
      });
    }
    throw this.classify(reply.status, json, reply.retryAfterMs, creds);
  }

  private classify(
    status: number,
    json: { code?: number; message?: string } | undefined,
    retryAfterMs: number | null,
    creds: TwilioCredentials,
  ): SendError {
    return classifyHttpFailure(
      {
        status,
        providerCode: json?.code !== undefined ? String(json.code) : null,
        message: this.redactor(creds).text(json?.message ?? `HTTP ${status}`),
        retryAfterMs,
      },
      { throttlingCodes: THROTTLING_CODES, optOutCodes: OPT_OUT_CODES, codeNames: CODE_NAMES },
    );
  }

  /**
   * MediaUrlN is Twilio's own URL; accounts with "enforce HTTP Basic auth for media" want the
   * account's credentials on it. They go only to Twilio's origin, never to another host a URL names.
   * Docs: https://www.twilio.com/docs/messaging/guides/webhook-request#media-related-parameters
   */
  async locateInboundMedia(ref: string, credentials: unknown): Promise<MediaLocation> {
    const creds = this.creds(credentials);
    const own = sameOrigin(ref, this.baseUrl);
    return {
      url: ref,
      headers: own ? { authorization: this.auth(creds) } : {},
      secrets: [creds.auth_token],
    };
  }

  protected async probe(creds: TwilioCredentials): Promise<void> {
    const reply = await this.http(creds, {
      method: "GET",
      url: `${this.baseUrl}/2010-04-01/Accounts/${creds.account_sid}.json`,
      headers: { authorization: this.auth(creds), accept: "application/json" },
    });
    if (reply.status !== 200) throw this.classify(reply.status, reply.json as never, reply.retryAfterMs, creds);
  }

  /**
   * X-Twilio-Signature = base64(HMAC-SHA1(auth token, full URL + each POST parameter name and
   * value, sorted by name)). Docs: https://www.twilio.com/docs/usage/webhooks/webhooks-security
   */
  verifyWebhookSignature(req: WebhookRequest, credentials: unknown): boolean {
    const creds = this.creds(credentials);
    const supplied = header(req, "x-twilio-signature");
    const isForm = (header(req, "content-type") ?? "").includes("application/x-www-form-urlencoded");
    const params = isForm ? [...new URLSearchParams(req.rawBody)] : [];
    params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const data = req.url + params.map(([k, v]) => k + v).join("");
    const expected = hmac("sha1", creds.auth_token, Buffer.from(data, "utf8")).toString("base64");
    return safeEqual(supplied, expected);
  }

  /** A status callback: MessageStatus (or the older SmsStatus) with a status of a message we sent. */
  parseStatus(req: WebhookRequest): StatusUpdate[] {
    const form = parseForm(req.rawBody);
    const raw = form.MessageStatus ?? form.SmsStatus;
    const status = raw ? STATUS_MAP.get(raw) : undefined;
    const sid = form.MessageSid ?? form.SmsSid;
    if (!status || !sid) return [];
    const code = form.ErrorCode && form.ErrorCode !== "0" ? form.ErrorCode : null;
    return [
      statusUpdate({
        providerMessageId: sid,
        status,
        recipient: form.To ?? null,
        errorCode: code,
        errorMessage: code ? (form.ErrorMessage ?? CODE_NAMES.get(code) ?? null) : null,
        optOut: code !== null && OPT_OUT_CODES.has(code),
        metadata: { providerStatus: raw },
      }),
    ];
  }

  /**
   * An inbound message is recognised by its fields, MessageSid + From + (Body or NumMedia), whatever
   * status field it has or lacks: Twilio's documented inbound request has no SmsStatus at all
   * (https://www.twilio.com/docs/messaging/guides/webhook-request). A form whose status is one of a
   * message we sent is a status callback, even when it repeats the Body.
   */
  parseInbound(req: WebhookRequest): InboundMessage[] {
    const form = parseForm(req.rawBody);
    const status = form.MessageStatus ?? form.SmsStatus;
    if (status !== undefined && STATUS_MAP.has(status)) return [];
    if (!form.MessageSid || !form.From || (form.Body === undefined && form.NumMedia === undefined)) return [];
    const media = Number(form.NumMedia ?? "0");
    return [
      inboundMessage({
        providerMessageId: form.MessageSid,
        from: form.From,
        to: form.To ?? null,
        contentType: media > 0 && !form.Body ? "image" : "text",
        text: form.Body ?? "",
        receivedAt: this.now().toISOString(),
        metadata: {
          segments: Number(form.NumSegments ?? "1"),
          numMedia: media,
          ...twilioMedia(form, media),
          fromCountry: form.FromCountry ?? null,
          ...providerOptOut(form.OptOutType),
        },
      }),
    ];
  }
}

/**
 * Twilio's Advanced Opt-Out adds OptOutType (STOP, START, HELP) to an inbound message when the
 * sender used one of the keywords configured on the Messaging Service, custom ones included:
 * https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out (HELP changes nothing).
 */
function providerOptOut(type: string | undefined): { providerOptOut?: "opt_out" | "opt_in"; optOutType?: string } {
  const t = type?.trim().toUpperCase();
  if (t === "STOP") return { providerOptOut: "opt_out", optOutType: t };
  if (t === "START") return { providerOptOut: "opt_in", optOutType: t };
  return t ? { optOutType: t } : {};
}

function sameOrigin(url: string, base: string): boolean {
  try {
    return new URL(url).origin === new URL(base).origin;
  } catch {
    return false;
  }
}
