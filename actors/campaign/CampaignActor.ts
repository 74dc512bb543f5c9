/**
 * The Dapr side of a campaign: the actor that chains its turns (campaign-turn.ts) with timers and keeps
 * the watchdog reminder that restarts them after a crash. The turn itself knows nothing of Dapr.
 */

import { AbstractActor, Temporal } from "@dapr/dapr";
import { readState } from "../state.js";
import { campaignPorts } from "./campaign-ports.js";
import { campaignTurn, type CampaignTurnResult, type TurnMemory } from "./campaign-turn.js";

const RUN = "run";
const WATCHDOG = "watchdog";
/** How often the persisted reminder checks on a running campaign (it is a crash safety net). */
const WATCHDOG_MS = 10_000;
/**
 * A watchdog silent this long is taken as lost (the Dapr scheduler can lose reminders: a fault
 * drill saw none fire after a scheduler SIGKILL) and registered again on the next turn. Three
 * periods, so one late firing is not mistaken for a lost reminder.
 */
const WATCHDOG_LOST_MS = 3 * WATCHDOG_MS;

interface RunState extends TurnMemory {
  /** Whether the watchdog reminder is registered. */
  watchdog: boolean;
  /** When the watchdog was last registered or last fired (epoch ms); absent in older state. */
  watchdogSeenAt?: number;
}

/**
 * One actor per group message. Dapr runs one activation per id, one call at a time, so the
 * campaign's turns never overlap anywhere in the cluster. Turns are chained with a timer (fast,
 * in memory); a persisted reminder (the watchdog) restarts the chain after a crash or a move to
 * another host. The checkpoint itself lives in the database, committed with each page; the
 * actor's state only keeps the turn memory (source failures, trace) and whether the watchdog is set.
 *
 * Every method takes one object (see ChannelActor for why).
 */
export class CampaignActor extends AbstractActor {
  /** group_message.queued (or a resume, or the safety sweep): start or continue the campaign. */
  async start(req: { traceId?: string } = {}): Promise<CampaignTurnResult> {
    if (req.traceId) {
      const run = await this.run();
      await this.save({ ...run, traceId: req.traceId });
    }
    return this.runTurn();
  }

  /** Timer callback: the next turn of the chain. */
  async tick(): Promise<void> {
    await this.runTurn();
  }

  /** The group message was cancelled or paused: stop turning (the API already moved its messages). */
  async stop(): Promise<void> {
    await this.unregisterActorTimer("turn").catch(() => undefined);
    await this.runTurn();
  }

  override async receiveReminder(_data: unknown): Promise<void> {
    // The watchdog fired: it is alive, so the turns need not register it again.
    const run = await this.run();
    await this.save({ ...run, watchdogSeenAt: Date.now() });
    await this.runTurn();
  }

  private async run(): Promise<RunState> {
    return readState<RunState>(this, RUN, { sourceFailures: 0, watchdog: false });
  }

  private async save(run: RunState): Promise<void> {
    const sm = this.getStateManager<RunState>();
    await sm.setState(RUN, run);
    await sm.saveState();
  }

  private async runTurn(): Promise<CampaignTurnResult> {
    const ports = campaignPorts();
    const id = this.getActorId().getId();
    const run = await this.run();
    const memory: TurnMemory = { sourceFailures: run.sourceFailures, traceId: run.traceId };
    let result: CampaignTurnResult;
    try {
      result = await campaignTurn(id, ports, memory);
    } catch (err) {
      // Database or broker trouble: the watchdog (or this timer) tries again.
      ports.log.error(
        { groupMessageId: id, err: err instanceof Error ? err.message : String(err) },
        "campaign turn failed",
      );
      await this.arm(2_000, run);
      throw err;
    }
    if (result.wakeInMs !== undefined) {
      await this.arm(result.wakeInMs, { ...run, sourceFailures: memory.sourceFailures });
    } else {
      if (run.watchdog) await this.unregisterActorReminder(WATCHDOG).catch(() => undefined);
      await this.save({ ...run, sourceFailures: memory.sourceFailures, watchdog: false });
    }
    return result;
  }

  private async arm(ms: number, armedRun: RunState): Promise<void> {
    let run = armedRun;
    await this.registerActorTimer(
      "turn",
      "tick",
      Temporal.Duration.from({ milliseconds: Math.max(1, Math.round(ms)) }),
    );
    // The state saying it is set is not proof: register it again when it has stopped firing.
    const now = Date.now();
    if (!run.watchdog || now - (run.watchdogSeenAt ?? 0) >= WATCHDOG_LOST_MS) {
      const every = Temporal.Duration.from({ milliseconds: WATCHDOG_MS });
      await this.registerActorReminder(WATCHDOG, every, every, undefined, JSON.stringify({ name: WATCHDOG }));
      run = { ...run, watchdogSeenAt: now };
    }
    await this.save({ ...run, watchdog: true });
  }
}
