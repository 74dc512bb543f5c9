/**
 * One actor per callback endpoint: the only place that endpoint's deliveries are sent from, so
 * its concurrency and rate caps hold cluster-wide and its ordering rule needs no locks.
 *
 * `nudge` (new deliveries were recorded) answers at once and starts a drain in the background;
 * nudges during a drain fold into one more pass, so a burst of events costs one drain, not one
 * actor turn each. Retries wait on a reminder, persisted by the Dapr scheduler: a drain arms one
 * as a safety net before it starts (a host that dies mid-drain is picked up again) and re-arms
 * it for the next due retry when it ends, or removes it when nothing is pending.
 */

import { AbstractActor, Temporal } from "@dapr/dapr";
import { callbackPorts } from "./callback-ports.js";
import { drainEndpoint, Pacer } from "./drain.js";

const RETRY = "retry";
/** A drain that never reported back is resumed after this long. */
const SAFETY_MS = 60_000;
/** A drain that failed (database down) is tried again after this long. */
const AFTER_ERROR_MS = 5_000;

export class CallbackEndpointActor extends AbstractActor {
  private draining: Promise<void> | undefined;
  private again = false;
  private pacer: Pacer | undefined;

  async nudge(): Promise<{ draining: boolean }> {
    this.kick();
    return { draining: true };
  }

  override async receiveReminder(): Promise<void> {
    this.kick();
    await this.draining;
  }

  private kick(): void {
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.loop().finally(() => {
      this.draining = undefined;
    });
  }

  private async loop(): Promise<void> {
    const ports = callbackPorts();
    const id = this.getActorId().getId();
    this.pacer ??= new Pacer(ports.settings.ratePerSecond);
    try {
      await this.arm(SAFETY_MS);
      let result;
      do {
        this.again = false;
        result = await drainEndpoint(id, ports, this.pacer);
      } while (this.again && !result.disabled);
      if (result.nextDueAt) await this.arm(result.nextDueAt.getTime() - ports.now());
      else await this.unregisterActorReminder(RETRY).catch(() => undefined);
    } catch (err) {
      ports.log.warn(
        { endpointId: id, err: err instanceof Error ? err.message : String(err) },
        "callback drain failed; retrying",
      );
      // Without the scheduler the reminder cannot be registered either; a sidecar timer (held by
      // daprd itself) still brings the drain back, where a swallowed failure left it waiting for
      // the endpoint's next event.
      await this.arm(AFTER_ERROR_MS).catch(() =>
        this.registerActorTimer(
          "retry-after-error",
          "nudge",
          Temporal.Duration.from({ milliseconds: AFTER_ERROR_MS }),
        ).catch(() => undefined),
      );
    }
  }

  private async arm(inMs: number): Promise<void> {
    await this.registerActorReminder(
      RETRY,
      Temporal.Duration.from({ milliseconds: Math.max(1, Math.round(inMs)) }),
      undefined,
      undefined,
      JSON.stringify({ name: RETRY }),
    );
  }
}
