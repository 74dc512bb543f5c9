/**
 * Hands what the SMPP binds receive (delivery receipts, MO messages) to the broker. The SMSC has
 * its deliver_sm_resp by then, so nothing is given up while the process runs: a failed publish
 * is retried with capped backoff, in order. While a publish is failing (or the buffer is full)
 * `accepting` is false and the binds refuse new deliver_sm with a temporary error, so the SMSC
 * keeps them: only what was buffered before the outage depends on this process living.
 *
 * Receipts of one channel that arrive within `lingerMs` travel as one batch event (up to
 * MAX_RECEIPTS_PER_EVENT): a campaign on a bind produces receipts at its send rate, and one
 * publish and one consumer delivery per receipt is what made the status topic the bottleneck,
 * worst on the in-memory broker, which hands a topic's events to the app one at a time.
 */

import type { StatusUpdate } from "../../core/messages/vocabulary.js";
import type { Logger } from "../../core/logger.js";
import { MAX_RECEIPTS_PER_EVENT } from "../../core/webhooks/events.js";

/** Buffered events beyond which the binds are asked to hold back (about a minute of a busy bind). */
const MAX_PENDING = 20_000;

export interface BindReceipt {
  update: StatusUpdate;
  messageId?: string;
}

export interface ForwarderPorts {
  publish(topic: string, event: object): Promise<void>;
  /** The batch event for some receipts of one channel (its origin fields filled in). */
  receiptEvent(channelId: string, receipts: BindReceipt[]): object;
  statusTopic: string;
  log: Logger;
  sleep?: (ms: number) => Promise<void>;
}

export interface ForwarderOptions {
  lingerMs?: number;
  maxBatch?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

interface Outgoing {
  topic: string;
  event: object;
  what: string;
}

export class BindEventForwarder {
  private readonly receipts = new Map<string, BindReceipt[]>();
  private readonly queue: Outgoing[] = [];
  private lingerTimer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private stopped = false;
  private failing = false;
  private readonly lingerMs: number;
  private readonly maxBatch: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly ports: ForwarderPorts,
    opts: ForwarderOptions = {},
  ) {
    this.lingerMs = opts.lingerMs ?? 25;
    this.maxBatch = Math.min(opts.maxBatch ?? 200, MAX_RECEIPTS_PER_EVENT);
    this.retryBaseMs = opts.retryBaseMs ?? 200;
    this.retryMaxMs = opts.retryMaxMs ?? 5_000;
    this.sleep = ports.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** False while the broker refuses publishes or MAX_PENDING events wait: take no more for now. */
  get accepting(): boolean {
    return !this.failing && this.pending < MAX_PENDING;
  }

  /** Events and receipts not yet accepted by the broker. */
  get pending(): number {
    let n = this.queue.length;
    for (const list of this.receipts.values()) n += list.length;
    return n;
  }

  receipt(channelId: string, receipt: BindReceipt): void {
    const list = this.receipts.get(channelId) ?? [];
    list.push(receipt);
    this.receipts.set(channelId, list);
    if (list.length >= this.maxBatch) this.cutBatches();
    else this.lingerTimer ??= setTimeout(() => this.cutBatches(), this.lingerMs);
  }

  event(topic: string, event: object, what: string): void {
    this.queue.push({ topic, event, what });
    this.drain();
  }

  /** Stops retrying; what is still buffered is reported as lost (the process is going away). */
  stop(): void {
    this.stopped = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    const lost = this.pending;
    if (lost > 0) this.ports.log.error({ lost }, "SMPP receipts and MO messages still unpublished at shutdown; lost");
  }

  /** Resolves once everything buffered so far has been published. */
  async flushed(): Promise<void> {
    this.cutBatches();
    while (this.draining) await this.draining;
  }

  private cutBatches(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    for (const [channelId, list] of this.receipts) {
      for (let i = 0; i < list.length; i += this.maxBatch) {
        this.queue.push({
          topic: this.ports.statusTopic,
          event: this.ports.receiptEvent(channelId, list.slice(i, i + this.maxBatch)),
          what: "receipts",
        });
      }
    }
    this.receipts.clear();
    this.drain();
  }

  private drain(): void {
    if (this.draining || this.stopped) return;
    this.draining = (async () => {
      while (this.queue.length > 0 && !this.stopped) {
        await this.publishWithRetry(this.queue[0]!);
        this.queue.shift();
      }
    })().finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0) this.drain();
    });
  }

  private async publishWithRetry(out: Outgoing): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.ports.publish(out.topic, out.event);
        this.failing = false;
        if (attempt > 1)
          this.ports.log.info({ topic: out.topic, attempts: attempt }, `SMPP ${out.what} published after retries`);
        return;
      } catch (err) {
        this.failing = true;
        // First failure, then every tenth: a broker outage must not flood the log.
        if (attempt % 10 === 1)
          this.ports.log.warn(
            { topic: out.topic, attempt, pending: this.pending, err: err instanceof Error ? err.message : String(err) },
            `SMPP ${out.what} not published yet; retrying`,
          );
        await this.sleep(Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(attempt - 1, 10)));
      }
    }
  }
}
