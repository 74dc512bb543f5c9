import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../client.js";
import { insertChannel, openMigratedEmbedded } from "../testkit/embedded.js";
import { claimQueued } from "./status-writes.js";

/**
 * The dispatch claim on a table the planner knows nothing about yet (rows bulk-inserted a moment
 * before, no ANALYZE), as after a cold start or a campaign's first page: the opt-out check must
 * stay one look-up per claimed message, not one per pair of them.
 */

const BATCH = 300;

describe("the dispatch claim before the table's first ANALYZE", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openMigratedEmbedded();
  }, 60_000);
  afterAll(() => db.close());

  const optOutProbes = async () =>
    db.withSession(async (s) => {
      await s.query(`SELECT pg_stat_force_next_flush()`);
      await s.query(`SELECT pg_stat_clear_snapshot()`);
      const { rows } = await s.query<{ n: string }>(
        `SELECT coalesce(sum(idx_scan), 0)::text AS n FROM pg_stat_user_indexes WHERE relname = 'contact_opt_outs'`,
      );
      return Number(rows[0]!.n);
    });

  it("probes contact_opt_outs at most once per claimed message", async () => {
    const accountId = randomUUID();
    const channelId = await insertChannel(db, accountId);
    const createdAt = new Date("2026-03-10T12:00:00.000Z");
    await db.withSession((s) =>
      s.query(
        `INSERT INTO messages (id, created_at, updated_at, account_id, channel_id, channel_type, direction, status,
                               delivery_address, message_body)
         SELECT gen_random_uuid(), $1, $1, $2, $3, 'sms', 'outbound', 'queued', '+2519110' || lpad(i::text, 5, '0'), 'hello'
           FROM generate_series(1, $4::int) AS i`,
        [createdAt, accountId, channelId, BATCH],
      ),
    );
    const before = await optOutProbes();

    const { sending } = await db.transaction((s) => claimQueued(s, channelId, BATCH, new Date("2026-03-10T12:01:00Z")));

    expect(sending).toHaveLength(BATCH);
    // Planned as a nested loop over the claimed rows twice (the planner's guess for an unknown
    // table is one row), the check ran BATCH² probes: 1.2 s for a claim of 500 on PostgreSQL.
    expect((await optOutProbes()) - before).toBeLessThanOrEqual(BATCH);
  });
});
