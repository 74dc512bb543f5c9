/**
 * The e-mail adapter's pooled SMTP transports: one per distinct SMTP account, keyed by a hash of
 * the credentials (the password is never a readable map key), remembered per channel so a
 * channel whose credentials change closes the pool of its old ones, released when the channel
 * closes, and bounded in number (least recently used closed first) so a stream of credential
 * changes cannot leak connections.
 */

import { createHash } from "node:crypto";
import type { Transporter } from "nodemailer";
import type SMTPPool from "nodemailer/lib/smtp-pool/index.js";

export type SmtpTransport = Transporter<SMTPPool.SentMessageInfo>;

/** Every credential field a pooled connection depends on. */
export interface SmtpAccount {
  smtp_host: string;
  smtp_port: number;
  secure: boolean;
  require_tls: boolean;
  smtp_username?: string;
  smtp_password?: string;
}

interface PoolEntry {
  transport: Promise<SmtpTransport>;
  /** Channels whose current credentials are this account. */
  channels: number;
}

export function accountKey(c: SmtpAccount): string {
  return createHash("sha256")
    .update(JSON.stringify([c.smtp_host, c.smtp_port, c.secure, c.require_tls, c.smtp_username, c.smtp_password]))
    .digest("hex");
}

export class SmtpPools {
  /** Insertion order is recency: a pool used again moves to the end, the front is evicted first. */
  private readonly pools = new Map<string, PoolEntry>();
  private readonly channelAccount = new Map<string, string>();
  private evicted = 0;

  constructor(
    /** Builds a transport for an account (it resolves and checks the host first, so it may reject). */
    private readonly create: (c: SmtpAccount) => Promise<SmtpTransport>,
    private readonly maxPools = 500,
  ) {}

  get size(): number {
    return this.pools.size;
  }

  stats(): { pools: number; channels: number; evicted: number } {
    return { pools: this.pools.size, channels: this.channelAccount.size, evicted: this.evicted };
  }

  /** The pool for a channel's current credentials; the pool of its previous credentials is closed when no other channel uses it. */
  async get(channelId: string, c: SmtpAccount): Promise<SmtpTransport> {
    const key = accountKey(c);
    const previous = this.channelAccount.get(channelId);
    if (previous !== key) {
      this.channelAccount.set(channelId, key);
      if (previous !== undefined) this.release(previous);
    }
    let entry = this.pools.get(key);
    if (entry) {
      this.pools.delete(key);
      this.pools.set(key, entry);
    } else {
      const transport = this.create(c);
      entry = { transport, channels: 0 };
      this.pools.set(key, entry);
      // A host that fails its check is not remembered: the next send checks again.
      transport.catch(() => {
        if (this.pools.get(key)?.transport !== transport) return;
        this.pools.delete(key);
        this.forgetChannelsOf(key);
      });
      this.evictBeyondCap();
    }
    if (previous !== key) entry.channels++;
    return entry.transport;
  }

  /** A channel is closing: its pool goes too when no other channel uses it. */
  async closeChannel(channelId: string): Promise<void> {
    const key = this.channelAccount.get(channelId);
    if (key === undefined) return;
    this.channelAccount.delete(channelId);
    this.release(key);
  }

  async closeAll(): Promise<void> {
    const entries = [...this.pools.values()];
    this.pools.clear();
    this.channelAccount.clear();
    await Promise.all(entries.map((e) => closeQuietly(e.transport)));
  }

  private release(key: string): void {
    const entry = this.pools.get(key);
    if (!entry) return;
    entry.channels = Math.max(0, entry.channels - 1);
    if (entry.channels > 0) return;
    this.pools.delete(key);
    void closeQuietly(entry.transport);
  }

  private forgetChannelsOf(key: string): void {
    for (const [channelId, k] of this.channelAccount) if (k === key) this.channelAccount.delete(channelId);
  }

  private evictBeyondCap(): void {
    while (this.pools.size > this.maxPools) {
      const [key, entry] = this.pools.entries().next().value!;
      this.pools.delete(key);
      this.forgetChannelsOf(key);
      this.evicted++;
      void closeQuietly(entry.transport);
    }
  }
}

async function closeQuietly(transport: Promise<SmtpTransport>): Promise<void> {
  try {
    (await transport).close();
  } catch {
    // It never opened: nothing to close.
  }
}
