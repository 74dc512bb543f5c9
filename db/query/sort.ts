/**
 * `?sort=field:asc|desc` (repeatable or comma-separated). Only declared fields
 * sort; the primary key is always appended so pages are stable when sort values tie.
 */

import { asc, desc, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { badRequest } from "../../core/errors.js";

export interface SortCondition {
  field: string;
  dir: "asc" | "desc";
}
export type SortSpecs = Record<string, AnyPgColumn>;

const MAX_SORTS = 5;

export function parseSort(raw: string[], specs: SortSpecs): SortCondition[] {
  const items = raw.flatMap((r) => r.split(",")).filter((s) => s.length > 0);
  if (items.length > MAX_SORTS) throw badRequest("invalid_sort", `at most ${MAX_SORTS} sort fields`, { field: "sort" });
  const seen = new Set<string>();
  return items.map((item) => {
    const [field = "", dir = "asc", extra] = item.split(":");
    if (!Object.hasOwn(specs, field)) {
      throw badRequest(
        "invalid_sort",
        `cannot sort on "${field.slice(0, 60)}"; allowed fields: ${Object.keys(specs).join(", ")}`,
        { field: "sort" },
      );
    }
    if ((dir !== "asc" && dir !== "desc") || extra !== undefined) {
      throw badRequest("invalid_sort", `sort direction of ${field} must be asc or desc`, { field: "sort" });
    }
    if (seen.has(field)) throw badRequest("invalid_sort", `${field} appears twice in sort`, { field: "sort" });
    seen.add(field);
    return { field, dir };
  });
}

export function compileSort(sorts: SortCondition[], specs: SortSpecs, tieBreaker: AnyPgColumn): SQL[] {
  const out = sorts.map((s) => {
    const col = specs[s.field];
    if (!col) throw new Error(`sort field ${s.field} is not allowed`);
    return s.dir === "asc" ? asc(col) : desc(col);
  });
  const dir = sorts[0]?.dir ?? "asc";
  out.push(dir === "asc" ? asc(tieBreaker) : desc(tieBreaker));
  return out;
}
