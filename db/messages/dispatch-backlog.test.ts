import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../client.js";
import { insertChannel, insertMessage, openMigratedEmbedded } from "../testkit/embedded.js";
import { dueBacklog } from "./dispatch-backlog.js";

describe("the dispatch backlog the autoscaler reads", () => {
  let db: Database;
  const A = randomUUID();
  beforeAll(async () => {
    db = await openMigratedEmbedded();
  });
  afterAll(() => db.close());

  it("counts queued messages due now on channels that may send, and nothing else", async () => {
    const active = await insertChannel(db, A);
    const paused = await insertChannel(db, A);
    await db.withSession((s) => s.query(`UPDATE channels SET status = 'paused' WHERE id = $1`, [paused]));
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 3_600_000);
    const m = (channelId: string, status: string, nextAttemptAt: Date | null, address: string) =>
      insertMessage(db, { accountId: A, channelId, status, createdAt: past, nextAttemptAt, address });

    expect(await dueBacklog(db)).toBe(0);
    await m(active, "queued", past, "+251911000201");
    await m(active, "queued", null, "+251911000202");
    await m(active, "queued", future, "+251911000203"); // backing off: not due yet
    await m(active, "sending", past, "+251911000204");
    await m(active, "sent", past, "+251911000205");
    await m(paused, "queued", past, "+251911000206"); // held by a pause
    expect(await dueBacklog(db)).toBe(2);
  });
});
