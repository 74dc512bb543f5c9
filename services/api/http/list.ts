/**
 * Query parameters of every list endpoint: the filter and sort grammar (db/query/filters.ts,
 * db/query/sort.ts), skip/limit paging.
 */

import { z } from "zod";
import { badRequest } from "../../../core/errors.js";
import { parseFilter } from "../../../db/query/filters.js";
import { filterPattern, sortPattern } from "../../../db/query/grammar-pattern.js";
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

const MAX_FILTERS = 20;
const MAX_SORTS = 5;

/**
 * The list query of one resource: the same validation as `listQuerySchema`, and a document that
 * names the resource's own fields, operations and value forms as patterns with examples. The
 * patterns are documentation only (`meta`); `toListQuery` still answers a mistake with the
 * grammar's own 400 (`invalid_filter`, `invalid_sort`) naming the offending parameter.
 */
export function listQuery<T extends ScopedTable>(spec: ResourceSpec<T>) {
  const filter = z.string().meta({ pattern: filterPattern(spec.filters), examples: filterExamples(spec) });
  const oneSort = { type: "string", pattern: sortPattern(spec.sorts), examples: sortExamples(spec) };
  return listQuerySchema.extend({
    filter: z
      .union([filter, z.array(filter).meta({ maxItems: MAX_FILTERS })])
      .optional()
      .describe(
        `field:operation[:value], repeatable (at most ${MAX_FILTERS}, ANDed). Fields: ${Object.keys(spec.filters).join(", ")}. ` +
          "Operations by field type: text eq ne lt le gt ge contains icontains like ilike startswith endswith in range; " +
          "UUID and enumerated eq ne in; integer and timestamp eq ne lt le gt ge in range; boolean eq ne; and is_null, is_not_null (no value) on every field. " +
          "in takes up to 100 comma-separated values, range two (low,high); timestamps are ISO 8601 (UTC when no offset is given); values at most 1000 characters.",
      ),
    // The document shows one field per value: the grammar refuses a field named twice, which no
    // JSON Schema of a repeated parameter can state. Repeated and comma-separated values are
    // still accepted, as the description says.
    sort: repeated
      .meta({ anyOf: [oneSort] })
      .optional()
      .describe(
        `field[:asc|desc], repeatable or comma-separated, at most ${MAX_SORTS} fields, each once. Fields: ${Object.keys(spec.sorts).join(", ")}.`,
      ),
  });
}

function filterExamples<T extends ScopedTable>(spec: ResourceSpec<T>): string[] {
  const out: string[] = [];
  if (spec.filters.created_at) out.push("created_at:ge:2026-01-01T00:00:00Z");
  const enumField = Object.entries(spec.filters).find(([, f]) => f.type === "enum" && (f.values?.length ?? 0) > 1);
  if (enumField) out.push(`${enumField[0]}:in:${enumField[1].values!.slice(0, 2).join(",")}`);
  if (spec.filters.name) out.push("name:icontains:spring");
  return out;
}

function sortExamples<T extends ScopedTable>(spec: ResourceSpec<T>): string[] {
  return Object.hasOwn(spec.sorts, "created_at") ? ["created_at:desc"] : [`${Object.keys(spec.sorts)[0]}:asc`];
}

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
