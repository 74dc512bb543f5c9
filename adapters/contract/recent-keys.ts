/**
 * Providers redeliver webhooks; this turns duplicates inside one process into no-ops. Durable
 * de-duplication remains the consumer's job.
 */

/** A bounded set of recently seen keys, oldest evicted first. */
export class RecentKeys {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** True when the key is new (and now remembered), false for a duplicate. */
  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return true;
  }
}
