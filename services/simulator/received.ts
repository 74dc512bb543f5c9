/**
 * What each provider received: for every accepted send, the normalised content a test checks
 * (an e-mail's subject and parts, a WhatsApp template and its parameters, a Telegram parse mode,
 * an SMPP message's data coding and segments …), kept in a bounded buffer and queried by
 * provider and addressee at GET /_sim/received.
 */

import type { ProviderKey } from "./config.js";
import type { ReceivedMedia } from "./media.js";

/** One WhatsApp template component as the provider received it: its type and its parameters' text. */
export interface ReceivedTemplateComponent {
  type: string;
  subType?: string;
  index?: string;
  parameters: string[];
}

/** Fields a provider's send request carries; each provider fills the ones its API has. */
export interface ReceivedContent {
  /** What the recipient reads: message text, SMS body, e-mail text part (null when absent). */
  text?: string | null;
  /** Media sent by link, as the simulator fetched them (SHA-256 of the bytes that arrived). */
  media?: ReceivedMedia[];
  /** SMS and e-mail sender as the request named it. */
  sender?: string | null;
  // e-mail
  subject?: string | null;
  html?: string | null;
  replyTo?: string | null;
  inReplyTo?: string | null;
  references?: string | null;
  // WhatsApp
  type?: string;
  template?: { name: string; language: string | null; components: ReceivedTemplateComponent[] } | null;
  contextMessageId?: string | null;
  previewUrl?: boolean;
  // Telegram
  parseMode?: string | null;
  buttons?: Array<Array<{ text: string; url?: string; callbackData?: string }>> | null;
  replyToMessageId?: string | null;
  /** The album (sendMediaGroup) the message came in, one message per item. */
  mediaGroupId?: string;
  // Messenger
  messagingType?: string | null;
  tag?: string | null;
  // SMPP
  encoding?: string;
  dataCoding?: number;
  segments?: number;
  udh?: boolean;
}

export interface ReceivedMessage extends ReceivedContent {
  provider: ProviderKey;
  /** The provider message id the simulator answered with (an SMPP message's first segment's id). */
  id: string;
  to: string;
  at: string;
}

/**
 * A ring of the most recent accepted sends. 20,000 holds the demo's whole run (10,800 messages);
 * benchmarks that send millions keep only the tail, which is all a content check reads.
 */
export class ReceivedLog {
  private items: ReceivedMessage[] = [];

  constructor(private readonly max = 20_000) {}

  add(provider: ProviderKey, id: string, to: string, content: ReceivedContent): void {
    this.items.push({ provider, id, to, at: new Date().toISOString(), ...content });
    // Trim in chunks so a full buffer costs one splice per tenth of its size, not one per send.
    if (this.items.length > this.max) this.items.splice(0, this.items.length - this.max + Math.ceil(this.max / 10));
  }

  /** Oldest first; both filters are exact matches and optional. */
  query(filter: { provider?: string; to?: string; limit?: number } = {}): ReceivedMessage[] {
    const hits = this.items.filter(
      (r) => (!filter.provider || r.provider === filter.provider) && (!filter.to || r.to === filter.to),
    );
    return filter.limit !== undefined ? hits.slice(-filter.limit) : hits;
  }

  reset(): void {
    this.items = [];
  }
}
