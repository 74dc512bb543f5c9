/**
 * Arms the cluster's sweeper reminder from a starting dispatcher. The first calls can fail while
 * placement has not yet seen any actor host, so it retries until one succeeds, then stops.
 */

import type { Logger } from "../../core/logger.js";

export interface Arming {
  /** Resolves once the reminder is armed (never, if stopped first). */
  armed: Promise<void>;
  stop(): void;
}

export function keepArming(arm: () => Promise<unknown>, log: Logger, retryMs = 2_000): Arming {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveArmed: () => void = () => undefined;
  const armed = new Promise<void>((r) => (resolveArmed = r));
  let failures = 0;
  const attempt = () => {
    if (stopped) return;
    arm().then(
      () => {
        log.info({ attempts: failures + 1 }, "sweeper reminder armed");
        resolveArmed();
      },
      (err: unknown) => {
        failures++;
        // The first failures are expected while placement starts: say so only when it persists.
        if (failures % 10 === 0)
          log.warn({ failures, err: err instanceof Error ? err.message : String(err) }, "sweeper not armed yet");
        if (!stopped) timer = setTimeout(attempt, retryMs).unref();
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
