/**
 * Keeps the cluster's sweeper reminder armed from every dispatcher replica. The first calls can
 * fail while placement has not yet seen any actor host, so it retries until one succeeds. It
 * then registers the reminder again every `rearmMs`, for as long as the dispatcher runs: a
 * reminder registered once can be lost with the Dapr scheduler (the 2026-11-27 fault drill: after
 * a scheduler SIGKILL the sweep never ran again, so 453 queued rows were never nudged, campaign
 * counters were never folded and an overdue schedule was never re-armed). Registering the same
 * reminder replaces it, so every replica doing it still leaves one; the sweeper actor skips a
 * renewal while its reminder fires (actors/sweeper/SweeperActor.ts), so periods are not shifted.
 */

import type { Logger } from "../../core/logger.js";

export interface Arming {
  /** Resolves once the reminder was armed the first time (never, if stopped first). */
  armed: Promise<void>;
  stop(): void;
}

export interface ArmingTimes {
  /** Delay before retrying a registration that failed. */
  retryMs?: number;
  /** Delay between registrations once one succeeded. */
  rearmMs: number;
}

/**
 * `arm(renewal)` registers the reminder; `renewal` is false until one registration succeeded, so
 * the actor can skip a renewal while its reminder demonstrably fires.
 */
export function keepArming(arm: (renewal: boolean) => Promise<unknown>, log: Logger, times: ArmingTimes): Arming {
  const retryMs = times.retryMs ?? 2_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveArmed: () => void = () => undefined;
  const armed = new Promise<void>((r) => (resolveArmed = r));
  let everArmed = false;
  let failures = 0;
  const next = (ms: number) => {
    if (!stopped) timer = setTimeout(attempt, ms).unref();
  };
  // One registration at a time: the next is scheduled only when the previous one has answered.
  const attempt = () => {
    if (stopped) return;
    arm(everArmed).then(
      () => {
        if (!everArmed || failures > 0) log.info({ attempts: failures + 1 }, "sweeper reminder armed");
        everArmed = true;
        failures = 0;
        resolveArmed();
        next(times.rearmMs);
      },
      (err: unknown) => {
        failures++;
        // The first failures are expected while placement starts: say so only when it persists.
        // Once armed, a failure means the scheduler or placement is away: say so at once.
        if (everArmed ? failures === 1 : failures % 10 === 0)
          log.warn(
            { failures, err: err instanceof Error ? err.message : String(err) },
            everArmed ? "sweeper reminder not re-armed" : "sweeper not armed yet",
          );
        next(retryMs);
      },
    );
  };
  attempt();
  return {
    armed,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
