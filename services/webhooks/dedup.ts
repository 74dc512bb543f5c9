/**
 * Replay guard for webhook events: an event's key is claimed before it is published, and a key
 * already claimed means a replay to acknowledge and drop. Claims made by concurrent requests are
 * gathered into one INSERT … ON CONFLICT per batch (db/webhooks/dedup-keys.ts), which tells new
 * keys from known ones atomically (two replicas receiving the same retry cannot both win).
 * A claim whose publish then fails is released, so the provider's retry is not mistaken for a
 * replay. Keys expire after the TTL (an expired key counts as new again) and are purged in the
 * background.
 *
 * Why PostgreSQL and not the Dapr state store: the production state store reports a first-write
 * conflict as a generic error that the sidecar's resiliency policy then retries for seconds, so
 * every replay would take seconds to acknowledge.
 */

import { MicroBatcher } from "../../core/micro-batcher.js";
import type { Database } from "../../db/client.js";
import { claimDedupKeys, purgeExpiredDedupKeys, releaseDedupKeys } from "../../db/webhooks/dedup-keys.js";

export class WebhookDedup {
  private readonly batcher: MicroBatcher<0, string, boolean>;
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly ttlSeconds: number,
  ) {
    this.batcher = new MicroBatcher<0, string, boolean>({
      maxItems: 500,
      maxWaitMs: 1,
      flush: (_k, keys) => this.insert(keys),
    });
  }

  /** True when the key is new (now claimed), false for a replay. */
  claim(key: string): Promise<boolean> {
    return this.batcher.add(0, key);
  }

  async release(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await releaseDedupKeys(this.db, keys);
  }

  private async insert(keys: string[]): Promise<boolean[]> {
    // One statement may not touch the same row twice: a key repeated inside the batch is claimed
    // by its first occurrence and is a replay for the others.
    const unique = [...new Set(keys)];
    const now = new Date();
    const fresh = await claimDedupKeys(this.db, unique, new Date(now.getTime() + this.ttlSeconds * 1000), now);
    return keys.map((k) => fresh.delete(k));
  }

  /** Deletes expired keys in bounded slices; returns how many went. */
  async purge(limit = 5_000): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await purgeExpiredDedupKeys(this.db, limit);
      total += n;
      if (n < limit) return total;
    }
  }

  startPurging(everyMs: number, onError: (err: unknown) => void): void {
    this.purgeTimer = setInterval(() => void this.purge().catch(onError), everyMs);
    this.purgeTimer.unref();
  }

  stop(): void {
    clearInterval(this.purgeTimer);
  }
}
