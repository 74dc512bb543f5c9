import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../db/client.js";
import { contacts } from "../../../db/schema.js";
import { pgDriver } from "./drivers.js";

/** The pg driver prepares parameterised statements and runs them with a generic plan. */
describe("prepared statements on pg", () => {
  let db: Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await pgDriver.open());
  });
  afterAll(async () => close());

  it("names parameterised queries, reuses a generic plan, leaves plain ones alone", async () => {
    await db.withSession(async (s) => {
      for (let i = 0; i < 3; i++)
        await s.query("SELECT count(*) FROM messages WHERE account_id = $1", ["00000000-0000-4000-8000-000000000000"]);
      await s.query("SELECT 1");
      const { rows } = await s.query<{ statement: string; generic_plans: string; custom_plans: string }>(
        "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements",
      );
      const mine = rows.find((r) => r.statement.includes("FROM messages WHERE account_id = $1"));
      expect(mine).toBeDefined();
      expect(Number(mine!.generic_plans)).toBe(3);
      expect(Number(mine!.custom_plans)).toBe(0);
      expect(rows.some((r) => r.statement === "SELECT 1")).toBe(false);
    });
  });

  it("names drizzle's parameterised statements inside Database.transaction too", async () => {
    const prepared = await db.transaction(async (tx) => {
      await tx.orm.select().from(contacts).where(eq(contacts.accountId, "00000000-0000-4000-8000-000000000000"));
      return (await tx.query<{ name: string; statement: string }>("SELECT name, statement FROM pg_prepared_statements"))
        .rows;
    });
    const mine = prepared.find((r) => r.statement.includes('from "contacts" where "contacts"."account_id" = $1'));
    expect(mine?.name).toMatch(/^t[0-9a-f]{40}$/);
  });
});
