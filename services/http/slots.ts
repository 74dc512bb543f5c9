/**
 * How many of something one key (an account) may have going at once in this process: progress
 * streams, CSV imports. A request takes a slot or is refused; it gives the slot back when done.
 */

export class ConcurrencySlots {
  private readonly open = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** A release function when a slot is free, undefined when the key holds `limit` already. */
  acquire(key: string): (() => void) | undefined {
    const n = this.open.get(key) ?? 0;
    if (n >= this.limit) return undefined;
    this.open.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left <= 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }
}
