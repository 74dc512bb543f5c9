/**
 * Hands what the SMPP binds receive (delivery receipts, MO messages) to the broker. Each receipt
 * and event is reported handed on (its promise resolves) only once the broker took it, and the
 * bind answers the deliver_sm only then: a deliver_sm_resp with status 0 is the promise that the
 * receipt is on the broker, so a process killed while it lingers or retries loses nothing (the
 * SMSC redelivers a deliver_sm whose bind closed unanswered). A failed publish is retried with
 * capped backoff, in order; while one is failing (or the buffer is full) `accepting` is false and
 * the binds refuse new deliver_sm with a temporary error. Stopping refuses what is still held.
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

/** Settles the promise a bind waits on before it answers the deliver_sm. */
interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

interface Outgoing {
  topic: string;
  event: object;
  what: string;
  waiters: Waiter[];
}

export class BindEventForwarder {
  private readonly receipts = new Map<string, { receipt: BindReceipt; waiter: Waiter }[]>();
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

  /** Resolves once the receipt is on the broker; rejects when the forwarder stops first. */
  receipt(channelId: string, receipt: BindReceipt): Promise<void> {
    if (this.stopped) return Promise.reject(stoppedError());
    return new Promise<void>((resolve, reject) => {
      const list = this.receipts.get(channelId) ?? [];
      list.push({ receipt, waiter: { resolve, reject } });
      this.receipts.set(channelId, list);
      if (list.length >= this.maxBatch) this.cutBatches();
      else this.lingerTimer ??= setTimeout(() => this.cutBatches(), this.lingerMs);
    });
  }

  /** Resolves once the event is on the broker; rejects when the forwarder stops first. */
  event(topic: string, event: object, what: string): Promise<void> {
    if (this.stopped) return Promise.reject(stoppedError());
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, event, what, waiters: [{ resolve, reject }] });
      this.drain();
    });
  }

  /**
   * Stops retrying. What is still buffered is refused to its binds (a temporary error, so an SMSC
   * still connected redelivers it) and reported: the process is going away.
   */
  stop(): void {
    this.stopped = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    const lost = this.pending;
    const err = stoppedError();
    for (const list of this.receipts.values()) for (const { waiter } of list) waiter.reject(err);
    for (const out of this.queue) for (const w of out.waiters) w.reject(err);
    this.receipts.clear();
    this.queue.length = 0;
    if (lost > 0)
      this.ports.log.error({ lost }, "SMPP receipts and MO messages still unpublished at shutdown; refused");
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
        const slice = list.slice(i, i + this.maxBatch);
        this.queue.push({
          topic: this.ports.statusTopic,
          event: this.ports.receiptEvent(
            channelId,
            slice.map((x) => x.receipt),
          ),
          what: "receipts",
          waiters: slice.map((x) => x.waiter),
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
        const out = this.queue[0]!;
        if (!(await this.publishWithRetry(out))) return;
        this.queue.shift();
        for (const w of out.waiters) w.resolve();
      }
    })().finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0) this.drain();
    });
  }

  /** True once published; false when the forwarder stopped first. */
  private async publishWithRetry(out: Outgoing): Promise<boolean> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        await this.ports.publish(out.topic, out.event);
        this.failing = false;
        if (attempt > 1)
          this.ports.log.info({ topic: out.topic, attempts: attempt }, `SMPP ${out.what} published after retries`);
        return true;
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
    return false;
  }
}

function stoppedError(): Error {
  return new Error("the bind event forwarder stopped before publishing");
}
