/**
 * The Dapr side of a channel's dispatch: the actor that owns its send turn (channel-dispatcher.ts) and
 * records operator probes. The turn itself knows nothing of Dapr, so it is tested without it.
 */

import { AbstractActor, Temporal } from "@dapr/dapr";
import { settleWithin } from "../../core/settle-within.js";
import { reminderFields } from "../reminder-data.js";
import { readState } from "../state.js";
import { ChannelDispatcher, type TurnResult } from "./channel-dispatcher.js";
import { dispatchPorts } from "./dispatch-ports.js";
import {
  applyProbeDelivery,
  applyReminderFired,
  emptyLedger,
  type DeliveryOutcome,
  type ProbeLedger,
} from "./probe-ledger.js";

const LEDGER = "probe-ledger";
/** An SMPP unbind waits 2 s for its answer; anything longer is a connection that will not close. */
const DEACTIVATE_DEADLINE_MS = 3_000;
const ACTIVATIONS = "activations";

/**
 * One actor per channel id. Dapr guarantees a single activation of each id in the cluster and
 * runs its calls one at a time (no reentrancy), which is what lets it own the channel's token
 * bucket, its decrypted credentials (memory only), its provider connection (the SMPP bind is
 * opened on first use and closed on deactivation) and its send turn. The turn logic lives in
 * ChannelDispatcher; this class only maps Dapr calls, timers and lifecycle onto it.
 *
 * It also records pipeline probes and reminder firings in persisted state (operator probes).
 *
 * The Dapr actor type is this class's name: keep it, and never minify the build. Every method
 * takes one object: the SDK's body serializer does not keep a top-level array intact.
 */
export class ChannelActor extends AbstractActor {
  private dispatcher?: ChannelDispatcher;

  private get turns(): ChannelDispatcher {
    this.dispatcher ??= new ChannelDispatcher(this.getActorId().getId(), dispatchPorts());
    return this.dispatcher;
  }

  /** There may be work for this channel (new messages, a resume): run a send turn now. */
  async nudge(): Promise<TurnResult> {
    return this.runTurn();
  }

  /** Timer callback: the bucket has tokens again, or a retry came due. */
  async wake(): Promise<void> {
    await this.runTurn();
  }

  /** The channel was updated (credentials, limits, status): reload it, then run a turn. */
  async refresh(): Promise<TurnResult> {
    await this.turns.invalidate();
    return this.runTurn();
  }

  private async runTurn(): Promise<TurnResult> {
    let result: TurnResult;
    try {
      result = await this.turns.turn();
    } catch (err) {
      // Database or sidecar trouble: try again shortly rather than stall the channel. Logged
      // here because the SDK answers the caller with an opaque 500.
      dispatchPorts().log.error(
        { channelId: this.getActorId().getId(), err: err instanceof Error ? err.message : String(err) },
        "send turn failed",
      );
      await this.armWake(1_000);
      throw err;
    }
    if (result.wakeInMs !== undefined) await this.armWake(result.wakeInMs);
    return result;
  }

  private async armWake(ms: number): Promise<void> {
    await this.registerActorTimer("wake", "wake", Temporal.Duration.from({ milliseconds: Math.round(ms) }));
  }

  override async onDeactivate(): Promise<void> {
    // Closes the provider connection (the SMPP unbind happens here). The sidecar halts a host's
    // actors one deactivation call each, and holds its placement connection until all of them
    // answered: a connection that never finishes closing must not keep the host out of placement.
    const closing = this.dispatcher?.close();
    if (!closing) return;
    if ((await settleWithin(closing, DEACTIVATE_DEADLINE_MS)) === "late") {
      dispatchPorts().log.warn(
        { channelId: this.getActorId().getId(), deadlineMs: DEACTIVATE_DEADLINE_MS },
        "provider connection still closing at deactivation; left to finish in the background",
      );
    }
  }

  override async onActivate(): Promise<void> {
    const sm = this.getStateManager<number>();
    const n = await readState(this, ACTIVATIONS, 0);
    await sm.setState(ACTIVATIONS, n + 1);
    // Activation is not a method call, so the SDK does not save for us.
    await sm.saveState();
  }

  /**
   * Records a batch of probe deliveries in one turn and one state write. Returns the outcome per
   * probe; a simulated failure is reported, not thrown, so the rest of the batch still counts.
   */
  async recordProbes(req: {
    probes: { probeId: string; failTimes?: number; sentAt?: string }[];
  }): Promise<Record<string, DeliveryOutcome>> {
    const sm = this.getStateManager<ProbeLedger>();
    let ledger = await readState(this, LEDGER, emptyLedger());
    const outcomes: Record<string, DeliveryOutcome> = {};
    const now = new Date();
    for (const probe of req.probes) {
      const next = applyProbeDelivery(
        ledger,
        { probeId: probe.probeId, failTimes: probe.failTimes ?? 0, sentAt: probe.sentAt },
        now,
      );
      ledger = next.ledger;
      outcomes[probe.probeId] = next.outcome;
    }
    await sm.setState(LEDGER, ledger);
    return outcomes;
  }

  async getProbeState(): Promise<ProbeLedger & { activations: number }> {
    const ledger = await readState(this, LEDGER, emptyLedger());
    const activations = await readState(this, ACTIVATIONS, 0);
    return { ...ledger, activations };
  }

  async scheduleProbeReminder(req: { name: string; dueMs: number }): Promise<void> {
    // The SDK hands reminder data to receiveReminder as String(data), so an object would arrive
    // as "[object Object]": send it as JSON text.
    const data = JSON.stringify({ name: req.name });
    await this.registerActorReminder(
      req.name,
      Temporal.Duration.from({ milliseconds: req.dueMs }),
      undefined,
      undefined,
      data,
    );
  }

  override async receiveReminder(data: unknown): Promise<void> {
    const name = reminderName(data);
    const sm = this.getStateManager<ProbeLedger>();
    const ledger = await readState(this, LEDGER, emptyLedger());
    await sm.setState(LEDGER, applyReminderFired(ledger, name, new Date()));
    await sm.saveState();
  }
}

/** The probe name a reminder carries, or "unnamed". */
export function reminderName(data: unknown): string {
  const fields = reminderFields(data);
  return fields && "name" in fields ? String(fields.name) : "unnamed";
}
