/**
 * The e-mail adapter: sends over SMTP (nodemailer) — subject, HTML and text parts, Reply-To, and
 * In-Reply-To/References for a reply — reads bounce and complaint notifications
 * (notifications.ts) as status updates, and inbound e-mail posted by an inbound-parse webhook
 * (inbound-mail.ts), both signed by the ESP or carrying the channel's token.
 */

import { createPublicKey, verify as verifySignature } from "node:crypto";
import { isIP } from "node:net";
import nodemailer from "nodemailer";
import type SMTPPool from "nodemailer/lib/smtp-pool/index.js";
import { createLogger, type Logger } from "../../core/logger.js";
import type { ChannelAdapter } from "../contract/contract.js";
import { parseCredentials } from "../contract/credentials.js";
import { parseJsonBody } from "../contract/http-adapter.js";
import {
  STRICT_OUTBOUND,
  checkedDestination,
  type CheckedDestination,
  type Lookup,
  type OutboundPolicy,
} from "../contract/outbound-address.js";
import { healthByProbe, verifyByProbe } from "../contract/probe.js";
import { SendError } from "../../core/dispatch/send-error.js";
import { safeEqual } from "../contract/signatures.js";
import {
  header,
  sentResult,
  type ChannelHealth,
  type CredentialCheck,
  type CarriedInbound,
  type DispatchPayload,
  type DispatchResult,
  type WebhookRequest,
} from "../contract/types.js";
import { statusUpdate, type InboundMessage, type StatusUpdate } from "../../core/messages/vocabulary.js";
import { EMAIL_SECRET_FIELDS, EmailCredentials } from "./credentials.js";
import { htmlToText } from "../../core/content/html-to-text.js";
import { isInboundMail, rawMimeOf, readInboundMail } from "./inbound-mail.js";
import { parseNotification } from "./notifications.js";
import { SmtpPools, type SmtpTransport } from "./pools.js";
import { MESSAGE_ID_HEADER, NETWORK_ERROR_CODES, classifySmtpReply } from "./vocabulary.js";

export interface EmailAdapterOptions {
  logger?: Logger;
  /** Connections per pooled transport (one transport per distinct SMTP account). */
  maxConnections?: number;
  /** Accept self-signed certificates: only for local peers such as the simulator. */
  allowSelfSignedTls?: boolean;
  connectionTimeoutMs?: number;
  /** Which non-public addresses a channel's smtp_host may resolve to (none by default). */
  outbound?: OutboundPolicy;
  /** Host name resolution, replaceable in tests. */
  lookup?: Lookup;
  /** Most pooled transports kept at once; the least recently used is closed beyond it. */
  maxPools?: number;
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** A Message-ID as headers write it: in angle brackets. */
function angleBracketed(id: string): string {
  const bare = id.trim().replace(/^<|>$/g, "");
  return `<${bare}>`;
}

/**
 * E-mail over SMTP with pooled connections (nodemailer). One pool per SMTP account (pools.ts),
 * created on first use, closed when its channels move to other credentials or close; the pool
 * reconnects by itself when the server hangs up. The host is a tenant's choice, so it is resolved
 * and checked once per pool and the pool connects to that address (outbound-address.ts); errors
 * carry SMTP codes, never what the server said.
 */
export class EmailAdapter implements ChannelAdapter {
  readonly channelType = "email" as const;
  readonly provider = "default";
  readonly credentialsSchema = EmailCredentials;
  readonly secretFields = EMAIL_SECRET_FIELDS;
  private readonly logger: Logger;
  private readonly pools: SmtpPools;

  constructor(private readonly opts: EmailAdapterOptions = {}) {
    this.logger = opts.logger ?? createLogger("adapter.email");
    this.pools = new SmtpPools(async (c) => {
      const dest = await this.destination(c as EmailCredentials);
      return nodemailer.createTransport(this.transportOptions(c as EmailCredentials, dest));
    }, opts.maxPools);
  }

  /** Open pools and how many were closed for the cap. */
  poolStats(): { pools: number; channels: number; evicted: number } {
    return this.pools.stats();
  }

  private destination(c: EmailCredentials): Promise<CheckedDestination> {
    return checkedDestination(c.smtp_host, this.opts.outbound ?? STRICT_OUTBOUND, this.opts.lookup);
  }

  private creds(input: unknown): EmailCredentials {
    try {
      return parseCredentials(EmailCredentials, input);
    } catch (err) {
      if (err instanceof SendError) this.logger.info({ provider: "smtp", code: err.code }, "send refused");
      throw err;
    }
  }

  private transportOptions(c: EmailCredentials, dest: CheckedDestination): SMTPPool.Options {
    return {
      pool: true,
      // The checked address, never the name: a second resolution could answer differently.
      host: dest.address,
      // TLS still presents and verifies the name the tenant gave.
      ...(isIP(c.smtp_host) ? {} : { servername: c.smtp_host }),
      port: c.smtp_port,
      secure: c.secure,
      requireTLS: !c.secure && c.require_tls,
      auth: c.smtp_username ? { user: c.smtp_username, pass: c.smtp_password ?? "" } : undefined,
      maxConnections: this.opts.maxConnections ?? 5,
      maxMessages: 500,
      connectionTimeout: this.opts.connectionTimeoutMs ?? 10_000,
      greetingTimeout: this.opts.connectionTimeoutMs ?? 10_000,
      socketTimeout: 30_000,
      tls: this.opts.allowSelfSignedTls ? { rejectUnauthorized: false } : undefined,
      logger: false,
    };
  }

  async send(payload: DispatchPayload): Promise<DispatchResult> {
    const c = this.creds(payload.credentials);
    // Options stored before they had a field of their own are still in metadata.
    const meta = payload.metadata;
    const o = payload.options ?? {};
    const html = o.html ?? (typeof meta.html === "string" ? meta.html : undefined);
    const bodyIsHtml = o.is_html === true || meta.is_html === true || meta.html === true;
    const domain = c.message_id_domain ?? c.from_email.split("@")[1] ?? "turumba.local";
    const messageIdHeader = `<${payload.messageId}@${domain}>`;
    const extraHeaders = (o.headers ??
      (meta.headers && typeof meta.headers === "object" ? meta.headers : {})) as Record<string, string>;
    const text = o.text ?? (meta.text as string | undefined);
    const parts =
      html !== undefined
        ? { html, text: text ?? payload.messageBody }
        : bodyIsHtml
          ? { html: payload.messageBody, text: text ?? htmlToText(payload.messageBody) }
          : { html: undefined, text: payload.messageBody };
    // A reply names the customer's message, so mail clients thread it. RFC 5322 §3.6.4.
    const inReplyTo = payload.replyTo ? angleBracketed(payload.replyTo) : undefined;
    const started = performance.now();
    try {
      const pool: SmtpTransport = await this.pools.get(payload.channelId, c);
      const info = await pool.sendMail({
        from: c.from_name ? { name: c.from_name, address: c.from_email } : c.from_email,
        to: payload.deliveryAddress,
        replyTo: o.reply_to ?? (meta.reply_to as string | undefined) ?? c.reply_to,
        subject: o.subject ?? (meta.subject as string | undefined) ?? "",
        text: parts.text,
        html: parts.html,
        ...(inReplyTo ? { inReplyTo, references: [inReplyTo] } : {}),
        messageId: messageIdHeader,
        headers: { ...extraHeaders, [MESSAGE_ID_HEADER]: payload.messageId },
        // Attachments by URL: nodemailer fetches each while it builds the MIME message (our stored
        // media through their signed links; a tenant's URL was checked against the outbound rules).
        // One with a Content-ID goes inline (multipart/related), where the HTML says cid:<it>.
        ...(payload.attachments?.length
          ? {
              attachments: payload.attachments.map((a) => ({
                path: a.url,
                ...(a.filename ? { filename: a.filename } : {}),
                ...(a.contentType ? { contentType: a.contentType } : {}),
                ...(a.cid ? { cid: a.cid } : {}),
              })),
            }
          : {}),
      });
      this.logger.debug(
        {
          provider: "smtp",
          host: c.smtp_host,
          messageId: payload.messageId,
          ms: Math.round(performance.now() - started),
        },
        "mail accepted",
      );
      if (info.rejected.length > 0) {
        throw new SendError({
          kind: "permanent",
          code: "invalid_recipient",
          message: `recipient rejected: ${replyCodes(info.response ?? "")}`,
        });
      }
      return sentResult(info.messageId ?? messageIdHeader, {
        response: replyCodes(info.response ?? ""),
        accepted: info.accepted.map(String),
      });
    } catch (err) {
      if (err instanceof SendError) throw err;
      const e = this.classify(err as SmtpError);
      this.logger.warn(
        { provider: "smtp", host: c.smtp_host, code: e.code, kind: e.kind, providerCode: e.providerCode },
        "mail not accepted",
      );
      throw e;
    }
  }

  /**
   * Codes only: the reply code and enhanced status code, or nodemailer's error code. The server's
   * own words (a banner, a greeting, a connect error naming the address) would make every channel
   * a probe of whatever listens at the host.
   */
  private classify(err: SmtpError): SendError {
    const message = err.responseCode
      ? `SMTP ${replyCodes(/^\s*\d{3}/.test(err.response ?? "") ? err.response! : `${err.responseCode} ${err.response ?? ""}`)}`
      : `SMTP ${err.code ?? "error"}`;
    if (err.code === "EAUTH") {
      return new SendError({
        kind: "permanent",
        code: "provider_auth_failed",
        providerCode: String(err.responseCode ?? "EAUTH"),
        message,
      });
    }
    if (err.responseCode) {
      const rule = classifySmtpReply(err.responseCode, err.response ?? "");
      return new SendError({ ...rule, providerCode: String(err.responseCode), message, status: err.responseCode });
    }
    if (err.code && NETWORK_ERROR_CODES.has(err.code)) {
      return new SendError({ kind: "retryable", code: "provider_unreachable", providerCode: err.code, message });
    }
    // TLS negotiation failures and protocol surprises: the server may recover, the actor decides.
    return new SendError({ kind: "retryable", code: "provider_unavailable", providerCode: err.code ?? null, message });
  }

  /** Logs in with a fresh connection (not the pool): the server's answer to the credentials. */
  private async probe(c: EmailCredentials): Promise<void> {
    const dest = await this.destination(c);
    const transport = nodemailer.createTransport({ ...this.transportOptions(c, dest), pool: false } as never);
    try {
      await transport.verify();
    } catch (err) {
      throw this.classify(err as SmtpError);
    } finally {
      transport.close();
    }
  }

  async verifyCredentials(credentials: unknown): Promise<CredentialCheck> {
    const c = this.creds(credentials);
    return verifyByProbe(() => this.probe(c));
  }

  checkHealth(credentials: unknown): Promise<ChannelHealth> {
    return healthByProbe(() => this.probe(this.creds(credentials)));
  }

  /** Inbound e-mail carries its attachments' bytes: parseCarriedInbound reads it. */
  parseInbound(_req: WebhookRequest): InboundMessage[] {
    return [];
  }

  /** An inbound-parse webhook's raw MIME message (inbound-mail.ts); nothing for a notification. */
  async parseCarriedInbound(req: WebhookRequest): Promise<CarriedInbound[]> {
    if (!isInboundMail(req)) return [];
    const raw = await rawMimeOf(req);
    return raw ? readInboundMail(raw) : [];
  }

  parseStatus(req: WebhookRequest): StatusUpdate[] {
    if (isInboundMail(req)) return [];
    return parseNotification(parseJsonBody(req.rawBody)).map((n) => statusUpdate(n));
  }

  /**
   * Notifications come either signed (ECDSA P-256 over timestamp + body, for ESPs that sign
   * their event webhooks) or through a URL that carries our token.
   */
  verifyWebhookSignature(req: WebhookRequest, credentials: unknown): boolean {
    const c = this.creds(credentials);
    const signature = header(req, "x-twilio-email-event-webhook-signature");
    const timestamp = header(req, "x-twilio-email-event-webhook-timestamp");
    if (signature && timestamp && c.event_webhook_public_key) {
      try {
        const key = createPublicKey({
          key: Buffer.from(c.event_webhook_public_key, "base64"),
          format: "der",
          type: "spki",
        });
        return verifySignature(
          "sha256",
          Buffer.from(timestamp + req.rawBody, "utf8"),
          key,
          Buffer.from(signature, "base64"),
        );
      } catch {
        return false;
      }
    }
    const token = new URL(req.url, "http://placeholder").searchParams.get("token");
    return safeEqual(token, c.webhook_token);
  }

  /** The channel actor is deactivating: its pool closes unless another channel shares the account. */
  async closeChannel(channelId: string): Promise<void> {
    await this.pools.closeChannel(channelId);
  }

  async close(): Promise<void> {
    await this.pools.closeAll();
  }
}

/** An SMTP reply reduced to its codes: "550 5.1.1 user unknown" → "550 5.1.1". */
export function replyCodes(reply: string): string {
  const m = /^\s*(\d{3})(?:[ -]+([245]\.\d{1,3}\.\d{1,3}))?/.exec(reply);
  if (!m) return "unparsed";
  return m[2] ? `${m[1]} ${m[2]}` : m[1]!;
}
