/**
 * For hand-written statements (data-modifying CTEs) that drizzle's builders cannot express:
 * a column list and bound values encoded by each column's own mapping, and the reverse mapping
 * of a raw result row back to the table's row shape.
 */

import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";

export function insertColumns<T extends PgTable>(
  table: T,
  values: Partial<T["$inferInsert"]>,
): { names: SQL; values: SQL } {
  const cols = getTableColumns(table);
  const entries = Object.entries(values).filter(([k, v]) => v !== undefined && k in cols);
  return {
    names: sql.join(
      entries.map(([k]) => sql.identifier(cols[k]!.name)),
      sql`, `,
    ),
    values: sql.join(
      entries.map(([k, v]) => sql.param(v, cols[k])),
      sql`, `,
    ),
  };
}

export function mapRow<T extends PgTable>(table: T, raw: Record<string, unknown>): T["$inferSelect"] {
  const out: Record<string, unknown> = {};
  for (const [key, col] of Object.entries(getTableColumns(table))) {
    const v = raw[col.name];
    out[key] = v === null || v === undefined ? null : col.mapFromDriverValue(v);
  }
  return out;
}
