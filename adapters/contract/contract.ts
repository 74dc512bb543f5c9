import type { Dispatcher } from "undici";
import type { z } from "zod";
import type { Logger } from "../../core/logger.js";
import type { ChannelHealth, DispatchPayload, DispatchResult, WebhookRequest } from "./types.js";
import type { ChannelType, InboundMessage, StatusUpdate } from "../../core/messages/vocabulary.js";

/**
 * What every channel adapter offers (seed 000 §4). `send` resolves with a DispatchResult on
 * success and rejects with a SendError otherwise; the caller decides what to do with the kind.
 * Credentials arrive decrypted per call, so one adapter instance serves every channel of its type.
 */
export interface ChannelAdapter {
  readonly channelType: ChannelType;
  /** "default" for single-provider channel types, the provider's key for SMS. */
  readonly provider: string;
  readonly credentialsSchema: z.ZodType;
  /** Credential fields that must never appear in logs, errors or results. */
  readonly secretFields: readonly string[];

  send(payload: DispatchPayload): Promise<DispatchResult>;
  verifyCredentials(credentials: unknown): Promise<boolean>;
  checkHealth(credentials: unknown): Promise<ChannelHealth>;

  /** Inbound messages in a webhook; an empty list means "acknowledge and ignore". */
  parseInbound(req: WebhookRequest): InboundMessage[];
  /** Delivery status updates in a webhook; an empty list when it carries none. */
  parseStatus(req: WebhookRequest): StatusUpdate[];
  verifyWebhookSignature(req: WebhookRequest, credentials: unknown): boolean;

  /** Tell the provider where to send webhooks, where the provider has an API for it. */
  registerWebhook?(credentials: unknown, webhook: WebhookRegistration): Promise<void>;
  /**
   * The GET handshake some providers make before sending webhooks (Meta's hub.challenge).
   * Returns the body to echo, or null when the request must be refused.
   */
  answerVerificationChallenge?(req: WebhookRequest, credentials: unknown): string | null;
}

export interface WebhookRegistration {
  url: string;
  /** A random secret the provider echoes back (Telegram's secret_token). */
  secretToken?: string;
}

/** How adapters reach their provider: tests pass a MockAgent, the simulator a base URL. */
export interface HttpAdapterOptions {
  dispatcher?: Dispatcher;
  baseUrl?: string;
  logger?: Logger;
  /** Clock for windows and timestamps, replaceable in tests. */
  now?: () => Date;
}
