/**
 * Query parameters of every list endpoint: the filter and sort grammar (db/query/filters.ts,
 * db/query/sort.ts), skip/limit paging.
 */

import { z } from "zod";
import { badRequest } from "../../../core/errors.js";
import { parseFilter } from "../../../db/query/filters.js";
import type { ListQuery, ListResult, ResourceSpec, ScopedTable } from "../../../db/query/list.js";
import { parseSort } from "../../../db/query/sort.js";
import type { ApiConfig } from "../config.js";

const repeated = z.union([z.string(), z.array(z.string())]);
export const listQuerySchema = z.strictObject({
  filter: repeated
    .optional()
    .describe(
      "field:operation[:value], repeatable; operations: eq ne lt le gt ge contains icontains like ilike in range is_null is_not_null startswith endswith",
    ),
  sort: repeated.optional().describe("field[:asc|desc], repeatable or comma-separated"),
  skip: z.coerce.number().int().min(0).optional().describe("Rows to skip (bounded; narrow the filter to go deeper)"),
  limit: z.coerce.number().int().min(1).optional().describe("Page size (bounded by a hard maximum)"),
});
export type ListQueryParams = z.infer<typeof listQuerySchema>;

const asArray = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function toListQuery<T extends ScopedTable>(
  q: ListQueryParams,
  spec: ResourceSpec<T>,
  cfg: ApiConfig,
): ListQuery {
  const limit = q.limit ?? cfg.API_LIST_DEFAULT_LIMIT;
  if (limit > cfg.API_LIST_MAX_LIMIT)
    throw badRequest("validation_error", `limit: at most ${cfg.API_LIST_MAX_LIMIT}`, { field: "limit" });
  const skip = q.skip ?? 0;
  if (skip > cfg.API_LIST_MAX_SKIP) {
    throw badRequest(
      "validation_error",
      `skip: at most ${cfg.API_LIST_MAX_SKIP}; narrow the filter (e.g. created_at:lt:…) instead`,
      { field: "skip" },
    );
  }
  const filters = asArray(q.filter);
  if (filters.length > 20) throw badRequest("invalid_filter", "at most 20 filters", { field: "filter" });
  return {
    filters: filters.map((f, i) => parseFilter(f, spec.filters, i)),
    sort: parseSort(asArray(q.sort), spec.sorts),
    skip,
    limit,
  };
}

export function pageSchema<S extends z.ZodType>(item: S) {
  return z.object({
    items: z.array(item),
    total: z.number().int().describe("Matching rows, exact up to the count cap"),
    total_capped: z.boolean().describe("True when more rows match than the cap counts"),
    skip: z.number().int(),
    limit: z.number().int(),
  });
}

export function pageBody<R, O>(result: ListResult<R>, q: ListQuery, serialize: (row: R) => O) {
  return {
    items: result.items.map(serialize),
    total: result.total,
    total_capped: result.totalCapped,
    skip: q.skip,
    limit: q.limit,
  };
}
