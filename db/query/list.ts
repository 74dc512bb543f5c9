/**
 * How the API lists a resource: every query scoped to the caller's accounts, then the request's
 * filters, sort and page, with a capped count of the rows that match.
 */

import { and, eq, getTableColumns, inArray, sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Orm } from "../client.js";
import { compileFilters, type FilterCondition, type FilterSpecs } from "./filters.js";
import { compileSort, type SortCondition, type SortSpecs } from "./sort.js";

/** The accounts a caller may see. Every repository call takes one; no query runs unscoped. */
export interface Scope {
  accountIds: readonly string[];
}

const TOTAL = "__total";

export interface ListQuery {
  filters: FilterCondition[];
  sort: SortCondition[];
  skip: number;
  limit: number;
}

export interface ListResult<T> {
  items: T[];
  /** Exact up to the count cap; when more rows match, the cap itself with `totalCapped` set. */
  total: number;
  totalCapped: boolean;
}

export type ScopedTable = PgTable & { id: AnyPgColumn; accountId: AnyPgColumn };

export interface ResourceSpec<T extends ScopedTable> {
  table: T;
  filters: FilterSpecs;
  sorts: SortSpecs;
  defaultSort: SortCondition[];
}

/** Widens a generic table for drizzle's builders, whose overloads cannot see through a type parameter. */
export function plainTable(table: PgTable): PgTable {
  return table;
}

/** The scope's accounts, for hand-written SQL; an empty scope is a bug, never "every account". */
export function scopedAccountIds(scope: Scope): readonly string[] {
  if (scope.accountIds.length === 0)
    throw new Error("a scope with no account sees nothing; refusing to build an unscoped query");
  return scope.accountIds;
}

export function scopeCondition(accountId: AnyPgColumn, scope: Scope): SQL {
  const ids = scopedAccountIds(scope);
  return ids.length === 1 ? eq(accountId, ids[0]) : inArray(accountId, [...ids]);
}

/**
 * One page plus the number of matching rows. Counting stops at `countCap` rows: an exact
 * count over a month of messages would cost more than the page itself, and nobody pages
 * through ten thousand rows without narrowing the filter.
 */
export async function listResource<T extends ScopedTable>(
  orm: Orm,
  spec: ResourceSpec<T>,
  scope: Scope,
  query: ListQuery,
  countCap: number,
): Promise<ListResult<T["$inferSelect"]>> {
  const where = and(scopeCondition(spec.table.accountId, scope), compileFilters(query.filters, spec.filters));
  const order = compileSort(query.sort.length > 0 ? query.sort : spec.defaultSort, spec.sorts, spec.table.id);
  const table = plainTable(spec.table);
  // The count rides along with the page as a scalar sub-select (evaluated once), so a list is
  // one round trip. It stops counting at countCap + 1 rows.
  const counted = sql<number>`(SELECT count(*)::int FROM (SELECT 1 FROM ${table} WHERE ${where} LIMIT ${countCap + 1}) AS capped)`;
  const rows = (await orm
    .select({ ...getTableColumns(table), [TOTAL]: counted })
    .from(table)
    .where(where)
    .orderBy(...order)
    .limit(query.limit)
    .offset(query.skip)) as (T["$inferSelect"] & { [TOTAL]?: number })[];
  let n: number;
  if (rows.length > 0) n = Number(rows[0]![TOTAL]);
  else {
    // Past the last page: no row carried the count.
    const [r] = await orm.select({ n: counted }).from(sql`(SELECT 1) AS one`);
    n = Number(r?.n ?? 0);
  }
  const items = rows.map((r) => {
    const { [TOTAL]: _total, ...row } = r;
    return row;
  });
  return { items, total: Math.min(n, countCap), totalCapped: n > countCap };
}
