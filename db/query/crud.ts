/**
 * Row access by id, always inside the caller's scope: a row of another account is simply not
 * found, so the API answers 404 and never reveals that the id exists.
 */

import { and, eq, type SQL } from "drizzle-orm";
import type { Orm } from "../client.js";
import { plainTable, scopeCondition, type Scope, type ScopedTable } from "./list.js";

export async function getScoped<T extends ScopedTable>(
  orm: Orm,
  table: T,
  scope: Scope,
  id: string,
  extra?: SQL,
): Promise<T["$inferSelect"] | undefined> {
  const rows = await orm
    .select()
    .from(plainTable(table))
    .where(and(eq(table.id, id), scopeCondition(table.accountId, scope), extra))
    .limit(1);
  return rows[0];
}

export async function updateScoped<T extends ScopedTable>(
  orm: Orm,
  table: T,
  scope: Scope,
  id: string,
  values: Partial<T["$inferInsert"]>,
  extra?: SQL,
): Promise<T["$inferSelect"] | undefined> {
  const rows = await orm
    .update(table as ScopedTable)
    .set(values as never)
    .where(and(eq(table.id, id), scopeCondition(table.accountId, scope), extra))
    .returning();
  return rows[0];
}

export async function deleteScoped<T extends ScopedTable>(
  orm: Orm,
  table: T,
  scope: Scope,
  id: string,
  extra?: SQL,
): Promise<boolean> {
  const rows = await orm
    .delete(table as ScopedTable)
    .where(and(eq(table.id, id), scopeCondition(table.accountId, scope), extra))
    .returning({ id: table.id });
  return rows.length > 0;
}

/** PostgreSQL error codes the repositories translate into client errors. */
export const PG = { uniqueViolation: "23505", foreignKeyViolation: "23503", checkViolation: "23514" } as const;

export function pgErrorCode(err: unknown): string | undefined {
  // drizzle wraps driver errors; the code sits on the error or its cause.
  let e: unknown = err;
  for (let i = 0; i < 3 && e && typeof e === "object"; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
