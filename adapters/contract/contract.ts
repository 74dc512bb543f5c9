/**
 * The adapter contract: what every provider's adapter offers and what it is built with. Code outside
 * adapters/ reaches an adapter through this interface and adapters/registry.ts, never a provider's class.
 */

import type { Dispatcher } from "undici";
import type { z } from "zod";
import type { Logger } from "../../core/logger.js";
import type { OutboundPolicy } from "./outbound-address.js";
import type {
  CarriedInbound,
  ChannelHealth,
  CredentialCheck,
  DispatchPayload,
  DispatchResult,
  MediaLocation,
  MediaReuse,
  MediaUpload,
  WebhookRequest,
} from "./types.js";
import type { ChannelType, InboundMessage, StatusUpdate } from "../../core/messages/vocabulary.js";

/**
 * What every channel adapter offers. `send` resolves with a DispatchResult on
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
  /** The provider's answer to the credentials (one cheap authenticated request); rejects when it cannot be reached. */
  verifyCredentials(credentials: unknown): Promise<CredentialCheck>;
  checkHealth(credentials: unknown): Promise<ChannelHealth>;

  /** Inbound messages in a webhook; an empty list means "acknowledge and ignore". */
  parseInbound(req: WebhookRequest): InboundMessage[];
  /**
   * Inbound messages that bring their media's bytes in the request (an inbound e-mail's MIME
   * parts), read asynchronously; an empty list when the request holds none. Absent: the
   * provider's inbound media are references (parseInbound), fetched later.
   */
  parseCarriedInbound?(req: WebhookRequest): Promise<CarriedInbound[]>;
  /** Delivery status updates in a webhook; an empty list when it carries none. */
  parseStatus(req: WebhookRequest): StatusUpdate[];
  verifyWebhookSignature(req: WebhookRequest, credentials: unknown): boolean;

  /**
   * Where the bytes of an inbound media reference (`metadata.media[].ref`: a WhatsApp media id, a
   * Telegram file_id, a Messenger or Twilio URL) can be downloaded with these credentials. Rejects
   * with a SendError (the provider's answer classified like a send's). Absent: no inbound media.
   */
  locateInboundMedia?(ref: string, credentials: unknown): Promise<MediaLocation>;

  /**
   * False when the provider carries text only (SMPP, Africa's Talking, Vonage SMS): the
   * dispatcher then appends links instead of attachments where the channel's media_fallback is
   * link, and the adapter refuses attachments otherwise. Absent: the provider sends media.
   */
  readonly sendsMedia?: boolean;
  /**
   * Whether and how the provider reuses a media object it already has (absent: every send goes by
   * URL). The dispatcher decides when to upload or which send goes first; the adapter only talks.
   */
  readonly mediaReuse?: MediaReuse;
  /**
   * Puts a media object's bytes on the provider (`mediaReuse.by === "upload"`) and answers the
   * provider's reference to it. Rejects with a SendError like a send.
   */
  uploadMedia?(credentials: unknown, media: MediaUpload): Promise<string>;

  /** Tell the provider where to send webhooks, where the provider has an API for it. */
  registerWebhook?(credentials: unknown, webhook: WebhookRegistration): Promise<void>;
  /**
   * The GET handshake some providers make before sending webhooks (Meta's hub.challenge).
   * Returns the body to echo, or null when the request must be refused.
   */
  answerVerificationChallenge?(req: WebhookRequest, credentials: unknown): string | null;

  /**
   * Health of one channel, for adapters that hold a persistent connection per channel (an SMPP
   * bind): that connection is the health, and a probe would open a second one beside it.
   * Adapters without it are asked checkHealth(credentials).
   */
  checkChannelHealth?(channelId: string, credentials: unknown): Promise<ChannelHealth>;
  /**
   * Tells the provider the customer's message was read (a read receipt the customer sees), on
   * providers that take one; adapters without it have no such call. Rejects with a SendError when
   * the provider refuses or cannot be reached.
   */
  markRead?(credentials: unknown, read: ReadReceipt): Promise<void>;
  /** Releases what the adapter holds for one channel (its owner, the channel actor, is deactivating). */
  closeChannel?(channelId: string): Promise<void>;
  /**
   * Delivery receipts that arrive on a channel's connection rather than by webhook. The
   * connection answers the provider once the listener's promise resolves (the receipt is handed
   * on), and with the protocol's temporary error when it rejects, so the provider redelivers.
   */
  onReceipt?(listener: (channelId: string, update: StatusUpdate) => void | Promise<void>): void;
  /** Inbound messages that arrive on a channel's connection rather than by webhook; answered as receipts are. */
  onInbound?(listener: (channelId: string, message: InboundMessage) => void | Promise<void>): void;
  /**
   * While `ready` answers false, receipts and inbound messages arriving on a connection are
   * refused with the protocol's temporary error, so the provider keeps them and redelivers.
   */
  takeBindEventsWhile?(ready: () => boolean): void;
}

export interface WebhookRegistration {
  url: string;
  /** A random secret the provider echoes back (Telegram's secret_token). */
  secretToken?: string;
}

/** What every adapter is built with: tests pass a MockAgent, drills a base URL pointing at the simulator. */
export interface AdapterOptions {
  /** undici dispatcher for HTTP providers (a MockAgent in tests). */
  dispatcher?: Dispatcher;
  /** The provider's API base URL; the provider's own when absent. */
  baseUrl?: string;
  logger?: Logger;
  /**
   * Which non-public addresses a tenant-chosen host (SMTP, SMPP) may resolve to: the operator's
   * OUTBOUND_ALLOW. None when absent.
   */
  outbound?: OutboundPolicy;
}

/** How HTTP adapters reach their provider. */
export interface HttpAdapterOptions extends AdapterOptions {
  /** Clock for windows and timestamps, replaceable in tests. */
  now?: () => Date;
}

/** The inbound message a read receipt is about: its sender and the provider's id of it. */
export interface ReadReceipt {
  from: string;
  providerMessageId: string;
}
