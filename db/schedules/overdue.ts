/**
 * Pending schedules whose trigger was due before `before` and never fired (the periodic sweep
 * re-arms them). At most 200.
 */

import type { Database } from "../client.js";

export async function overdueScheduleIds(db: Database, before: Date): Promise<string[]> {
  return db.withSession(async (s) => {
    const sch = await s.query<{ id: string }>(
      `SELECT id FROM scheduled_messages WHERE status = 'pending' AND next_trigger_at < $1 LIMIT 200`,
      [before],
    );
    return sch.rows.map((r) => r.id);
  });
}
