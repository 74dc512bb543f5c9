/**
 * Collects items that arrive one by one (for example pub/sub deliveries handled concurrently)
 * into batches per key, so a consumer makes one actor call per channel per batch instead of
 * one per event. A batch is flushed when it reaches `maxItems` or when `maxWaitMs` has passed
 * since its first item. Each caller gets its own item's result, or the batch's error.
 */

export interface MicroBatcherOptions<K, In, Out> {
  maxItems: number;
  maxWaitMs: number;
  flush: (key: K, items: In[]) => Promise<Out[]>;
}

interface Pending<In, Out> {
  items: In[];
  waiters: { resolve: (v: Out) => void; reject: (e: unknown) => void }[];
  timer?: NodeJS.Timeout;
}

export class MicroBatcher<K, In, Out> {
  private readonly pending = new Map<K, Pending<In, Out>>();

  constructor(private readonly opts: MicroBatcherOptions<K, In, Out>) {}

  add(key: K, item: In): Promise<Out> {
    let batch = this.pending.get(key);
    if (!batch) {
      batch = { items: [], waiters: [] };
      this.pending.set(key, batch);
      batch.timer = setTimeout(() => this.flushKey(key), this.opts.maxWaitMs);
    }
    const promise = new Promise<Out>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    batch.items.push(item);
    if (batch.items.length >= this.opts.maxItems) this.flushKey(key);
    return promise;
  }

  /** Number of items waiting for a flush, across keys. */
  get size(): number {
    let n = 0;
    for (const b of this.pending.values()) n += b.items.length;
    return n;
  }

  private flushKey(key: K): void {
    const batch = this.pending.get(key);
    if (!batch) return;
    this.pending.delete(key);
    clearTimeout(batch.timer);
    this.opts.flush(key, batch.items).then(
      (results) => {
        if (results.length !== batch.items.length) {
          const err = new Error(`batch flush returned ${results.length} results for ${batch.items.length} items`);
          batch.waiters.forEach((w) => w.reject(err));
          return;
        }
        batch.waiters.forEach((w, i) => w.resolve(results[i]!));
      },
      (err: unknown) => batch.waiters.forEach((w) => w.reject(err)),
    );
  }
}
