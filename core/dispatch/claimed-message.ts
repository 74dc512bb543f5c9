/**
 * A message a channel's send turn claimed (moved from queued to sending): what the database
 * returns for it and what the sender needs to hand it to the provider. Declared once, for the
 * dispatch store that claims and the actor that sends.
 */

import type { ChannelOptions } from "../messages/channel-options.js";

export interface ClaimedMessage {
  id: string;
  createdAt: string;
  accountId: string;
  deliveryAddress: string;
  messageBody: string;
  metadata: Record<string, unknown>;
  options?: ChannelOptions;
  /** When the recipient last wrote to this channel (WhatsApp channels; ISO 8601), read at claim time. */
  lastInboundAt?: string | null;
  /** The provider's id of the inbound message this one replies to. */
  replyTo?: string | null;
  /** Attempts including the one this claim starts. */
  attempts: number;
  /** Higher goes first: a transactional message overtakes a campaign backlog. */
  priority: number;
  groupMessageId: string | null;
  traceId: string | null;
}
