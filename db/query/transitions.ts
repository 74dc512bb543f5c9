/**
 * Status changes that follow a lifecycle table (core/messages/lifecycle.ts): the row is locked, the
 * change checked against the table, and a refused change is a 409 that names both statuses.
 */

import { and, eq } from "drizzle-orm";
import { conflict } from "../../core/errors.js";
import type { Database, Transaction } from "../client.js";
import { plainTable, scopeCondition, type Scope, type ScopedTable } from "./list.js";
import { canTransition } from "../../core/messages/lifecycle.js";

type StatusTable = ScopedTable & { status: ScopedTable["id"] };

export interface Transitioned<Row> {
  row: Row;
  from: string;
}

type Rules = Readonly<Record<string, readonly string[]>>;

/**
 * Moves a row to another status if the lifecycle allows it, in a transaction of its own. The row
 * is locked first so two concurrent changes cannot both pass the check; a refused change is a
 * 409 naming both ends. Returns undefined when the row is not in scope (404 for the caller).
 */
export function transitionRow<T extends StatusTable>(
  db: Database,
  table: T,
  rules: Rules,
  scope: Scope,
  id: string,
  to: string,
  extraSet?: (from: string) => Partial<T["$inferInsert"]>,
): Promise<Transitioned<T["$inferSelect"]> | undefined> {
  return db.transaction((tx) => transitionRowIn(tx, table, rules, scope, id, to, extraSet));
}

/** `transitionRow` as one step of the caller's transaction, which holds the row lock until it ends. */
export async function transitionRowIn<T extends StatusTable>(
  tx: Transaction,
  table: T,
  rules: Rules,
  scope: Scope,
  id: string,
  to: string,
  extraSet: (from: string) => Partial<T["$inferInsert"]> = () => ({}),
): Promise<Transitioned<T["$inferSelect"]> | undefined> {
  const where = and(eq(table.id, id), scopeCondition(table.accountId, scope));
  const current = (await tx.orm.select().from(plainTable(table)).where(where).limit(1).for("update"))[0];
  if (!current) return undefined;
  const from = current.status as string;
  if (from === to) return { row: current, from };
  if (!canTransition(rules, from, to))
    throw conflict("invalid_transition", `status cannot change from ${from} to ${to}`);
  const rows = await tx.orm
    .update(table as ScopedTable)
    .set({ status: to, ...extraSet(from) })
    .where(where)
    .returning();
  return { row: rows[0] as T["$inferSelect"], from };
}
