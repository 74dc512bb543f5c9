/**
 * The dispatcher's send turns without Dapr, for the dispatch benchmark's baseline: the same
 * ChannelDispatcher (claim → send → record batches), the same ports (DispatchStore's PostgreSQL
 * statements, the adapter registry, sealed credentials) as services/dispatcher/wiring.ts builds,
 * but each channel's turns are run by a plain in-process loop instead of a ChannelActor, and its
 * wake timer is a setTimeout instead of an actor timer. What differs from the Dapr path is then
 * only the runtime: the sidecar hop per turn, actor placement and timers, the pub/sub component.
 *
 * Two drivers: `nudgeAll` (no broker at all) and `consumeNudges` (an amqplib consumer of the same
 * nudges the Dapr path receives from RabbitMQ).
 */

import type { Channel } from "amqplib";
import { ChannelDispatcher } from "../actors/channel/channel-dispatcher.js";
import { createAdapterRegistry } from "../adapters/registry.js";
import { loadConfig } from "../core/config.js";
import { createLogger } from "../core/logger.js";
import type { Database } from "../db/client.js";
import { SecretBox } from "../db/secret-box.js";
import type { ActorInvoker } from "../services/runtime/actor-invoker.js";
import { createDispatchPorts } from "../services/dispatcher/wiring.js";

/**
 * One channel's turns, one at a time as the actor runs them. A nudge during a turn runs one
 * more turn after it (the actor queues the call); the wake timer is re-armed by each turn, as
 * registering the actor's "wake" timer replaces the previous one.
 */
class ChannelLoop {
  private running = false;
  private again = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly dispatcher: ChannelDispatcher,
    private readonly onError: (err: unknown) => void,
  ) {}

  nudge(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      clearTimeout(this.timer);
      let wakeInMs: number | undefined;
      try {
        wakeInMs = (await this.dispatcher.turn()).wakeInMs;
      } catch (err) {
        this.onError(err);
        wakeInMs = 1_000;
      }
      if (wakeInMs !== undefined) this.timer = setTimeout(() => this.nudge(), Math.round(wakeInMs));
    } while (this.again);
    this.running = false;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.dispatcher.close();
  }
}

export interface DirectDispatcher {
  /** Runs a turn for the channel now (or right after the one in progress). */
  nudge(channelId: string): void;
  close(): Promise<void>;
  /** Calls and summed wall time of each dispatch port, by name. */
  phases(): Map<string, { calls: number; ms: number }>;
}

/** Channel loops over the real dispatch ports; `maxBatch` as DISPATCH_MAX_BATCH. */
export function directDispatcher(opts: {
  db: Database;
  keys: string;
  providerBaseUrls: Record<string, string>;
  maxBatch: number;
}): DirectDispatcher {
  const log = createLogger("bench-direct", { level: "warn" });
  const cfg = loadConfig({ DISPATCH_MAX_BATCH: String(opts.maxBatch) });
  // No LimiterActor and no failover in this workload (no shared provider account, no quota, a
  // healthy provider): a call to an actor would mean the workload is not the one measured.
  const actors: ActorInvoker = {
    invoke: (type, id, method) => Promise.reject(new Error(`no actors in the direct path: ${type}/${id}.${method}`)),
  };
  const ports = createDispatchPorts({
    cfg,
    db: opts.db,
    box: SecretBox.fromKeyRing(opts.keys),
    adapters: createAdapterRegistry({ baseUrls: opts.providerBaseUrls }),
    actors,
    log,
  });
  // Wall time per port call, summed over all channels: where a turn's time goes.
  const phases = new Map<string, { calls: number; ms: number }>();
  const timed =
    <A extends unknown[], R>(name: string, fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      const t0 = performance.now();
      try {
        return await fn(...a);
      } finally {
        const p = phases.get(name) ?? { calls: 0, ms: 0 };
        phases.set(name, { calls: p.calls + 1, ms: p.ms + performance.now() - t0 });
      }
    };
  for (const name of ["claim", "recordClaims", "applyOutcomes", "nextDueAt", "loadChannel", "hasQueued"] as const)
    (ports as unknown as Record<string, unknown>)[name] = timed(
      name,
      ports[name] as (...a: unknown[]) => Promise<unknown>,
    );
  const openSender = ports.openSender;
  ports.openSender = async (channelId) => {
    const sender = await openSender(channelId);
    return { ...sender, send: timed("send (each)", (m) => sender.send(m)) };
  };
  const loops = new Map<string, ChannelLoop>();
  const onError = (err: unknown) =>
    log.error({ err: err instanceof Error ? err.message : String(err) }, "direct send turn failed");
  return {
    nudge(channelId) {
      let loop = loops.get(channelId);
      if (!loop) loops.set(channelId, (loop = new ChannelLoop(new ChannelDispatcher(channelId, ports), onError)));
      loop.nudge();
    },
    async close() {
      await Promise.all([...loops.values()].map((l) => l.close()));
    },
    phases: () => new Map(phases),
  };
}

/** The in-process driver: one nudge per channel, the loops do the rest. */
export function nudgeAll(d: DirectDispatcher, channelIds: string[]): void {
  for (const id of channelIds) d.nudge(id);
}

/**
 * The broker driver: consumes `{ channelId }` nudges from `queue` with amqplib and hands them to
 * the channel loops. Acked on receipt: a nudge carries no message, the rows are the queue, so
 * a lost nudge costs only a later turn. Returns the consumer tag.
 */
export async function consumeNudges(d: DirectDispatcher, ch: Channel, queue: string): Promise<string> {
  await ch.prefetch(256);
  const { consumerTag } = await ch.consume(queue, (msg) => {
    if (!msg) return;
    const { channelId } = JSON.parse(msg.content.toString()) as { channelId: string };
    d.nudge(channelId);
    ch.ack(msg);
  });
  return consumerTag;
}
