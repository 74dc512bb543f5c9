/**
 * Where poison events end up: the actor that keeps each dead-letter topic's log (dead-letter-log.ts)
 * for operators to read.
 */

import { AbstractActor } from "@dapr/dapr";
import { readState } from "../state.js";
import { appendDeadLetter, emptyDeadLetterLog, removeDeadLetter, type DeadLetterLog } from "./dead-letter-log.js";

const LOG = "log";

/**
 * One actor per dead-letter topic: keeps a count and the most recent poison events so operators
 * can see them through the API, and forgets one once it was re-queued. Calls are serialised by
 * the actor, so appends and removals never race.
 */
export class DeadLetterActor extends AbstractActor {
  async record(entry: { eventId: string; data: unknown }): Promise<void> {
    const sm = this.getStateManager<DeadLetterLog>();
    const log = await readState(this, LOG, emptyDeadLetterLog());
    await sm.setState(LOG, appendDeadLetter(log, entry, new Date()));
  }

  async list(): Promise<DeadLetterLog> {
    return readState(this, LOG, emptyDeadLetterLog());
  }

  /** Forgets one entry once it was re-queued; true when the log held it. */
  async remove(entry: { eventId: string }): Promise<boolean> {
    const log = await readState(this, LOG, emptyDeadLetterLog());
    const next = removeDeadLetter(log, entry.eventId);
    if (next === log) return false;
    await this.getStateManager<DeadLetterLog>().setState(LOG, next);
    return true;
  }
}
