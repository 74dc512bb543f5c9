/**
 * Wakes channel actors for message.dispatch events without holding the event while the actor's
 * send turn runs. A nudge is a signal, not data: the messages are in the database, and the
 * sweeper re-nudges every channel with due rows every few seconds. So the event is answered at
 * once, each channel has at most one actor call in flight, and nudges that arrive meanwhile fold
 * into one more call when it returns (that turn claims everything they announced).
 *
 * Why not await the call: a turn lasts as long as its provider calls (seconds for a batch of
 * SMTP sends), and the embedded in-memory broker delivers to a subscriber serially, with each
 * publish waiting for the delivery before it. Awaiting turns there made publishes time out
 * (5 s) and opened the pub/sub circuit breaker, failing every webhook and receipt for 20 s.
 */

import type { Logger } from "../../core/logger.js";

export class CoalescingNudger {
  /** Channels with a call in flight, and whether another nudge came while it ran. */
  private readonly running = new Map<string, { again: boolean }>();

  constructor(
    private readonly invoke: (channelId: string) => Promise<unknown>,
    private readonly log: Logger,
  ) {}

  /** Calls in flight (one per channel at most). */
  get inFlight(): number {
    return this.running.size;
  }

  nudge(channelId: string): void {
    const current = this.running.get(channelId);
    if (current) {
      current.again = true;
      return;
    }
    const state = { again: false };
    this.running.set(channelId, state);
    void this.run(channelId, state);
  }

  private async run(channelId: string, state: { again: boolean }): Promise<void> {
    do {
      state.again = false;
      try {
        await this.invoke(channelId);
      } catch (err) {
        this.log.warn(
          { channelId, err: err instanceof Error ? err.message : String(err) },
          "nudge failed; the sweeper will nudge the channel again",
        );
      }
    } while (state.again);
    this.running.delete(channelId);
  }
}
