/**
 * What the simulator's provider routes share, so each route module speaks only its provider's API.
 */

import type { Response } from "express";
import type { Logger } from "../../core/logger.js";
import { Dice, sleep } from "./behaviour.js";
import { behaviourOf, type ProviderBehaviour, type ProviderKey, type SimulatorConfig } from "./config.js";
import { MediaLibrary } from "./media.js";
import type { SimStats } from "./stats.js";
import type { WebhookSender } from "./webhooks.js";

/** What every provider route needs: config, dice, counters, the webhook sender and timers. */
export class SimContext {
  private readonly timers = new Set<NodeJS.Timeout>();
  private counter = 0;
  /** Bytes tests offer for inbound media messages. */
  readonly media = new MediaLibrary();

  constructor(
    public config: SimulatorConfig,
    readonly stats: SimStats,
    readonly webhooks: WebhookSender,
    readonly logger: Logger,
    readonly dice: Dice = new Dice(),
  ) {}

  behaviour(provider: ProviderKey): ProviderBehaviour {
    return behaviourOf(this.config, provider);
  }

  /** Whether any of these secrets is one the configuration says every provider refuses. */
  refuses(...secrets: Array<string | undefined | null>): boolean {
    return secrets.some((s) => typeof s === "string" && this.config.rejectedCredentials.includes(s));
  }

  nextId(): number {
    return ++this.counter;
  }

  /**
   * Count the request, wait the configured latency, and answer a fault if the dice say so.
   * Returns false when a fault response was sent and the route must stop.
   */
  async admit(
    provider: ProviderKey,
    res: Response,
    faults: { throttle: () => [number, unknown]; error: () => [number, unknown] },
  ): Promise<boolean> {
    const b = this.behaviour(provider);
    const counters = this.stats.of(provider);
    counters.requests++;
    await sleep(this.dice.latency(b));
    const fault = this.dice.fault(b);
    if (!fault) return true;
    if (fault === "timeout") {
      counters.timeouts++;
      await sleep(b.timeoutMs);
      res.socket?.destroy();
      return false;
    }
    if (fault === "throttle") counters.throttled++;
    else counters.errors++;
    const [status, body] = fault === "throttle" ? faults.throttle() : faults.error();
    if (typeof body === "string") res.status(status).type("text/plain").send(body);
    else res.status(status).json(body);
    return false;
  }

  /** Run a webhook after the provider's receipt delay; pending timers are cleared on stop. */
  later(provider: ProviderKey, fn: () => Promise<void>, delayMs = this.behaviour(provider).receiptDelayMs): void {
    this.stats.of(provider).receiptsScheduled++;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn().catch((err: Error) => this.logger.warn({ provider, err: err.message }, "scheduled webhook failed"));
    }, delayMs);
    this.timers.add(t);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

export function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}
