/**
 * The filter grammar: `?filter=field:op:value`, repeatable, ANDed. Each
 * resource declares which fields may be filtered and with what type; the type decides which
 * operations are allowed and how the text value is checked. Anything not declared is a 400
 * (strict mode), and every value reaches SQL as a bound parameter, never as text.
 */

import { and, eq, gt, gte, ilike, inArray, isNotNull, isNull, like, lt, lte, sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { badRequest } from "../../core/errors.js";

export const FILTER_OPS = [
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
  "contains",
  "icontains",
  "like",
  "ilike",
  "in",
  "range",
  "is_null",
  "is_not_null",
  "startswith",
  "endswith",
] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export type FieldType = "uuid" | "string" | "enum" | "int" | "timestamp" | "bool";

const NULL_OPS = ["is_null", "is_not_null"] as const;
const OPS_BY_TYPE: Record<FieldType, readonly FilterOp[]> = {
  string: FILTER_OPS,
  uuid: ["eq", "ne", "in", ...NULL_OPS],
  enum: ["eq", "ne", "in", ...NULL_OPS],
  int: ["eq", "ne", "lt", "le", "gt", "ge", "in", "range", ...NULL_OPS],
  timestamp: ["eq", "ne", "lt", "le", "gt", "ge", "in", "range", ...NULL_OPS],
  bool: ["eq", "ne", ...NULL_OPS],
};

/** The operations a field accepts: its own narrower list, or its type's. */
export const allowedOps = (spec: FieldSpec): readonly FilterOp[] => spec.ops ?? OPS_BY_TYPE[spec.type];

export interface FieldSpec {
  type: FieldType;
  column: AnyPgColumn;
  /** Allowed values of an enum field. */
  values?: readonly string[];
  /** Bounds of an int field: the column's SQL type, so a bound parameter can never overflow it. */
  min?: number;
  max?: number;
  /** Narrower operation list than the type allows. */
  ops?: readonly FilterOp[];
  /** Builds the condition itself (fields that are not plain columns, e.g. group membership). */
  custom?: (op: FilterOp, value: FilterValue) => SQL;
}

export type Scalar = string | number | boolean | Date;
export type FilterValue = Scalar | Scalar[] | null;

export interface FilterCondition {
  field: string;
  op: FilterOp;
  value: FilterValue;
}

export type FilterSpecs = Record<string, FieldSpec>;

export const INT32 = { min: -2_147_483_648, max: 2_147_483_647 };
export const INT16 = { min: -32_768, max: 32_767 };
const MAX_VALUE_LENGTH = 1000;
const MAX_IN_ITEMS = 100;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INT_RE = /^-?\d{1,12}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export const isUuid = (s: string) => UUID_RE.test(s);

const fail = (index: number, detail: string) => badRequest("invalid_filter", detail, { field: `filter[${index}]` });

/** Splits `field:op:value` at its first two colons (values such as timestamps contain colons). */
export function parseFilter(raw: string, specs: FilterSpecs, index = 0): FilterCondition {
  const first = raw.indexOf(":");
  if (first <= 0) throw fail(index, `filter "${clip(raw)}" must look like field:operation:value`);
  const field = raw.slice(0, first);
  const rest = raw.slice(first + 1);
  const second = rest.indexOf(":");
  const op = second < 0 ? rest : rest.slice(0, second);
  const text = second < 0 ? undefined : rest.slice(second + 1);

  const spec = Object.hasOwn(specs, field) ? specs[field] : undefined;
  if (!spec) throw fail(index, `cannot filter on "${clip(field)}"; allowed fields: ${Object.keys(specs).join(", ")}`);
  if (!(FILTER_OPS as readonly string[]).includes(op)) {
    throw fail(index, `unknown filter operation "${clip(op)}" on ${field}; operations: ${FILTER_OPS.join(", ")}`);
  }
  const allowed = allowedOps(spec);
  if (!allowed.includes(op as FilterOp))
    throw fail(index, `operation ${op} is not allowed on ${field}; allowed: ${allowed.join(", ")}`);
  const fop = op as FilterOp;

  if (fop === "is_null" || fop === "is_not_null") {
    if (text !== undefined) throw fail(index, `${field}:${op} takes no value`);
    return { field, op: fop, value: null };
  }
  if (text === undefined) throw fail(index, `${field}:${op} needs a value`);
  if (text.length > MAX_VALUE_LENGTH)
    throw fail(index, `value of ${field} is longer than ${MAX_VALUE_LENGTH} characters`);
  if (text.includes("\u0000")) throw fail(index, `value of ${field} contains a NUL character`);

  if (fop === "in" || fop === "range") {
    const parts = text.split(",");
    if (fop === "range" && parts.length !== 2)
      throw fail(index, `${field}:range needs two comma-separated values (low,high)`);
    if (parts.length > MAX_IN_ITEMS) throw fail(index, `${field}:in takes at most ${MAX_IN_ITEMS} values`);
    return { field, op: fop, value: parts.map((p) => coerce(p, spec, field, index)) };
  }
  if (["contains", "icontains", "like", "ilike", "startswith", "endswith"].includes(fop)) {
    return { field, op: fop, value: text };
  }
  return { field, op: fop, value: coerce(text, spec, field, index) };
}

function coerce(text: string, spec: FieldSpec, field: string, index: number): Scalar {
  switch (spec.type) {
    case "string":
      return text;
    case "uuid":
      if (!UUID_RE.test(text)) throw fail(index, `${field} must be a UUID`);
      return text.toLowerCase();
    case "enum":
      if (!spec.values?.includes(text)) throw fail(index, `${field} must be one of: ${spec.values?.join(", ")}`);
      return text;
    case "int": {
      const n = INT_RE.test(text) ? Number(text) : NaN;
      const { min, max } = { min: spec.min ?? INT32.min, max: spec.max ?? INT32.max };
      if (!Number.isSafeInteger(n) || n < min || n > max)
        throw fail(index, `${field} must be an integer between ${min} and ${max}`);
      return n;
    }
    case "timestamp": {
      const d = DATE_RE.test(text)
        ? new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) || text.length === 10 ? text : `${text}Z`)
        : undefined;
      if (!d || Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999) {
        throw fail(index, `${field} must be an ISO 8601 date or date-time`);
      }
      return d;
    }
    case "bool":
      if (text !== "true" && text !== "false") throw fail(index, `${field} must be true or false`);
      return text === "true";
  }
}

const clip = (s: string) => (s.length > 60 ? `${s.slice(0, 60)}…` : s);

/** Escapes LIKE wildcards so contains/startswith/endswith match the text literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Builds the WHERE condition for validated filters. Fields and operations are re-checked: defence in depth. */
export function compileFilters(conditions: FilterCondition[], specs: FilterSpecs): SQL | undefined {
  const parts = conditions.map((c) => {
    const spec = Object.hasOwn(specs, c.field) ? specs[c.field] : undefined;
    if (!spec) throw new Error(`filter field ${c.field} is not allowed`);
    const allowed = allowedOps(spec);
    if (!allowed.includes(c.op)) throw new Error(`filter operation ${c.op} is not allowed on ${c.field}`);
    return spec.custom ? spec.custom(c.op, c.value) : compileOne(spec.column, c.op, c.value);
  });
  return parts.length === 0 ? undefined : and(...parts);
}

function compileOne(col: AnyPgColumn, op: FilterOp, value: FilterValue): SQL {
  const v = value as Scalar;
  const list = value as Scalar[];
  switch (op) {
    case "eq":
      return eq(col, v);
    case "ne":
      // SQL `<>` drops NULLs; "not equal" in the grammar keeps rows where the field is unset.
      return sql`${col} IS DISTINCT FROM ${sql.param(v, col)}`;
    case "lt":
      return lt(col, v);
    case "le":
      return lte(col, v);
    case "gt":
      return gt(col, v);
    case "ge":
      return gte(col, v);
    case "in":
      return inArray(col, list);
    case "range":
      return and(gte(col, list[0]), lte(col, list[1]))!;
    case "is_null":
      return isNull(col);
    case "is_not_null":
      return isNotNull(col);
    case "contains":
      return like(col, `%${escapeLike(String(v))}%`);
    case "icontains":
      return ilike(col, `%${escapeLike(String(v))}%`);
    case "startswith":
      return like(col, `${escapeLike(String(v))}%`);
    case "endswith":
      return like(col, `%${escapeLike(String(v))}`);
    case "like":
      return like(col, String(v));
    case "ilike":
      return ilike(col, String(v));
  }
}
