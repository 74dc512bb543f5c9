/**
 * Where poison events end up: the actor that keeps each dead-letter topic's log (dead-letter-log.ts)
 * for operators to read.
 */

import { AbstractActor } from "@dapr/dapr";
import { readState } from "../state.js";
import { appendDeadLetter, emptyDeadLetterLog, type DeadLetterLog } from "./dead-letter-log.js";

const LOG = "log";

/**
 * One actor per dead-letter topic: keeps a count and the most recent poison events so operators
 * can see them through the API. Calls are serialised by the actor, so appends never race.
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
}
