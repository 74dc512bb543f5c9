/**
 * SMPP behind the adapter contract: a long-lived session per channel (session.ts), with receipts and
 * inbound messages handed to listeners as they come off the bind.
 */

import { createLogger, type Logger } from "../../core/logger.js";
import type { ChannelAdapter } from "../contract/contract.js";
import { parseCredentials } from "../contract/credentials.js";
import { healthByProbe, verifyByProbe } from "../contract/probe.js";
import { SendError } from "../../core/dispatch/send-error.js";
import {
  sentResult,
  type ChannelHealth,
  type CredentialCheck,
  type DispatchPayload,
  type DispatchResult,
  type WebhookRequest,
} from "../contract/types.js";
import { type InboundMessage, type StatusUpdate } from "../../core/messages/vocabulary.js";
import { SMPP_SECRET_FIELDS, SmppCredentials } from "./credentials.js";
import { SmppSession, type SmppSessionOptions } from "./session.js";

export interface SmppAdapterOptions extends SmppSessionOptions {
  logger?: Logger;
}

/**
 * SMPP as a ChannelAdapter. Sessions are per channel and long-lived; this adapter keeps one per
 * channel id for callers that want the plain adapter contract, while the channel actor may hold
 * its own SmppSession directly. Receipts and MO arrive on the bind, not by webhook, so they are
 * delivered to listeners rather than parsed from HTTP requests.
 */
export class SmppAdapter implements ChannelAdapter {
  readonly channelType = "smpp" as const;
  readonly provider = "default";
  readonly credentialsSchema = SmppCredentials;
  readonly secretFields = SMPP_SECRET_FIELDS;
  /** Text only: attachments are refused, or sent as links where the channel's media_fallback says so. */
  readonly sendsMedia = false;
  private readonly sessions = new Map<string, SmppSession>();
  private readonly logger: Logger;
  private readonly receiptListeners: Array<(channelId: string, u: StatusUpdate) => void | Promise<void>> = [];
  private readonly inboundListeners: Array<(channelId: string, m: InboundMessage) => void | Promise<void>> = [];
  private bindEventsReady: () => boolean = () => true;

  constructor(private readonly opts: SmppAdapterOptions = {}) {
    this.logger = opts.logger ?? createLogger("adapter.smpp");
  }

  private creds(input: unknown): SmppCredentials {
    try {
      return parseCredentials(SmppCredentials, input);
    } catch (err) {
      if (err instanceof SendError) this.logger.info({ provider: "smpp", code: err.code }, "send refused");
      throw err;
    }
  }

  onReceipt(listener: (channelId: string, u: StatusUpdate) => void | Promise<void>): void {
    this.receiptListeners.push(listener);
  }

  onInbound(listener: (channelId: string, m: InboundMessage) => void | Promise<void>): void {
    this.inboundListeners.push(listener);
  }

  takeBindEventsWhile(ready: () => boolean): void {
    this.bindEventsReady = ready;
  }

  /** The channel's session, bound on first use. */
  async session(channelId: string, credentials: unknown): Promise<SmppSession> {
    let s = this.sessions.get(channelId);
    if (!s || s.status === "closed") {
      const session = new SmppSession(this.creds(credentials), { ...this.opts, logger: this.logger });
      session.onReceipt((u) => all(this.receiptListeners.map((l) => l(channelId, u))));
      session.onInbound((m) => all(this.inboundListeners.map((l) => l(channelId, m))));
      session.takeBindEventsWhile(() => this.bindEventsReady());
      this.sessions.set(channelId, session);
      s = session;
      try {
        await session.start();
      } catch (err) {
        if ((err as SendError).kind === "permanent") this.sessions.delete(channelId);
        throw err;
      }
    }
    return s;
  }

  async send(payload: DispatchPayload): Promise<DispatchResult> {
    // submit_sm carries text only; the API takes attachments for SMPP channels only with the link
    // fallback, which the dispatcher applies before this call: this is the backstop.
    if (payload.attachments?.length)
      throw new SendError({ kind: "permanent", code: "media_not_supported", message: "SMPP carries no media" });
    const session = await this.session(payload.channelId, payload.credentials);
    const result = await session.submit({
      messageId: payload.messageId,
      to: payload.deliveryAddress,
      text: payload.messageBody,
    });
    return sentResult(result.segmentIds[0]!, {
      segmentIds: result.segmentIds,
      segments: result.segments,
      encoding: result.encoding,
    });
  }

  /** Binds a throwaway session and unbinds: the SMSC's answer to the credentials. */
  private async probe(creds: SmppCredentials): Promise<void> {
    const probe = new SmppSession(creds, { ...this.opts, logger: this.logger });
    try {
      await probe.start();
    } finally {
      await probe.close();
    }
  }

  async verifyCredentials(credentials: unknown): Promise<CredentialCheck> {
    const creds = this.creds(credentials);
    return verifyByProbe(() => this.probe(creds));
  }

  checkHealth(credentials: unknown): Promise<ChannelHealth> {
    return healthByProbe(() => this.probe(this.creds(credentials)));
  }

  /**
   * A channel's health is its bind: probing would open a second one beside it. A channel that has
   * not bound yet counts as connected; its first send binds and reports any refusal.
   */
  async checkChannelHealth(channelId: string, _credentials: unknown): Promise<ChannelHealth> {
    const status = this.sessions.get(channelId)?.status;
    return status === undefined || status === "bound"
      ? { status: "connected", latencyMs: null, errorMessage: null }
      : { status: "disconnected", latencyMs: null, errorMessage: `bind ${status}` };
  }

  parseInbound(_req: WebhookRequest): InboundMessage[] {
    return [];
  }

  parseStatus(_req: WebhookRequest): StatusUpdate[] {
    return [];
  }

  /** SMPP has no webhooks; nothing arriving over HTTP can be genuine. */
  verifyWebhookSignature(_req: WebhookRequest, _credentials: unknown): boolean {
    return false;
  }

  /** Unbinds one channel's session (its owner, the channel actor, is deactivating). */
  async closeChannel(channelId: string): Promise<void> {
    const s = this.sessions.get(channelId);
    this.sessions.delete(channelId);
    await s?.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
    this.sessions.clear();
  }
}

/** Settles when every listener has handed the event on; rejects when one could not. */
async function all(handed: (void | Promise<void>)[]): Promise<void> {
  await Promise.all(handed.map(async (h) => h));
}
