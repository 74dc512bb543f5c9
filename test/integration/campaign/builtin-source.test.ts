import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../db/client.js";
import { uuidv7 } from "../../../db/ids.js";
import { BuiltinContactSource } from "../../../services/campaign/sources/builtin.js";
import { pgDriver, pgliteDriver } from "../db/drivers.js";

/**
 * The built-in contact source's keyset paging, on both drivers: every member of the campaign's
 * groups exactly once, in id order, across pages of any size; a contact in two groups once;
 * nothing of another account's group; and the same plan under the prepared statements' generic
 * plan that PostgreSQL switches to after a few executions (the cursor bound must stay an index
 * bound there, see builtin.ts).
 */
describe.each([pgDriver, pgliteDriver])("built-in contact source on $name", (driver) => {
  let db: Database;
  let close: () => Promise<void>;
  const accountId = randomUUID();
  const otherAccount = randomUUID();
  const groupA = uuidv7();
  const groupB = uuidv7();
  const foreignGroup = uuidv7();
  const inA: string[] = [];
  const inB: string[] = [];

  beforeAll(async () => {
    ({ db, close } = await driver.open());
    const ids = Array.from({ length: 25 }, () => uuidv7());
    // A: contacts 0–14, B: contacts 10–24 (10–14 in both).
    inA.push(...ids.slice(0, 15));
    inB.push(...ids.slice(10));
    await db.withSession(async (s) => {
      for (const [id, acc, name] of [
        [groupA, accountId, "a"],
        [groupB, accountId, "b"],
        [foreignGroup, otherAccount, "x"],
      ] as const) {
        await s.query(`INSERT INTO contact_groups (id, account_id, name) VALUES ($1, $2, $3)`, [id, acc, name]);
      }
      for (const [i, id] of ids.entries())
        await s.query(`INSERT INTO contacts (id, account_id, name, phone) VALUES ($1, $2, $3, $4)`, [
          id,
          accountId,
          `c${i}`,
          `+2519110000${String(i).padStart(2, "0")}`,
        ]);
      for (const id of inA)
        await s.query(`INSERT INTO contact_group_members (group_id, contact_id, account_id) VALUES ($1, $2, $3)`, [
          groupA,
          id,
          accountId,
        ]);
      for (const id of inB)
        await s.query(`INSERT INTO contact_group_members (group_id, contact_id, account_id) VALUES ($1, $2, $3)`, [
          groupB,
          id,
          accountId,
        ]);
      // Another account's group holding one of our contact ids must never leak into our pages.
      const stray = uuidv7();
      await s.query(`INSERT INTO contacts (id, account_id, name) VALUES ($1, $2, 'stray')`, [stray, otherAccount]);
      await s.query(`INSERT INTO contact_group_members (group_id, contact_id, account_id) VALUES ($1, $2, $3)`, [
        foreignGroup,
        stray,
        otherAccount,
      ]);
    });
  }, 60_000);
  afterAll(async () => close?.());

  async function readAll(groupIds: string[], size: number): Promise<{ ids: string[]; pages: number }> {
    const source = new BuiltinContactSource(db);
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await source.page({ accountId, groupIds }, cursor, size);
      ids.push(...page.contacts.map((c) => c.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 100);
    return { ids, pages };
  }

  it.each([1, 4, 7, 25, 1000])("pages of %i give every member of both groups once, in id order", async (size) => {
    const { ids } = await readAll([groupA, groupB], size);
    const expected = [...new Set([...inA, ...inB])].sort();
    expect(ids).toEqual(expected);
  });

  it("reads one group alone, and leaves out another account's group even when asked for it", async () => {
    expect((await readAll([groupA], 4)).ids).toEqual([...inA].sort());
    expect((await readAll([foreignGroup], 4)).ids).toEqual([]);
    expect((await readAll([groupB, foreignGroup], 10)).ids).toEqual([...inB].sort());
  });

  it("pages the same way after many executions (generic plan of the prepared statement)", async () => {
    for (let i = 0; i < 8; i++) await readAll([groupA, groupB], 6);
    expect((await readAll([groupA, groupB], 6)).ids).toEqual([...new Set([...inA, ...inB])].sort());
  });
});
