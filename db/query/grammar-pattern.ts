/**
 * The filter and sort grammar of a resource written as regular expressions, for the OpenAPI
 * document: a client or a fuzzer reading the parameter schema learns which fields, operations and
 * values the API accepts. Every string a pattern matches is accepted by `parseFilter` or
 * `parseSort` (a property test holds them to it); the patterns are deliberately narrower where
 * the exact rule is not worth a regular expression: integers stay within 4 (16-bit columns) or 9
 * digits, timestamps within the years 1000–2999 and days 01–28, lists within 10 items, text
 * within 100 characters. The parameter descriptions state the full rules.
 *
 * Only constructs every JSON Schema tool understands: groups, alternation, classes, bounded
 * quantifiers. `[0-9]` rather than `\d`, which matches every Unicode digit in Python.
 */

import { allowedOps, INT16, type FieldSpec, type FilterOp, type FilterSpecs } from "./filters.js";
import type { SortSpecs } from "./sort.js";

const HEX = "[0-9a-fA-F]";
const UUID = `${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}`;
const TIME = "(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,6})?)?";
// Offsets within ±13:59 and years within 1000–2999 keep every instant inside the years 1–9999.
const TIMESTAMP = `[12][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])(?:T${TIME}(?:Z|[+-](?:0[0-9]|1[0-3]):[0-5][0-9])?)?`;
const TEXT = "[^\\x00]{0,100}";
const LIST_ITEM_TEXT = "[^\\x00,]{0,40}";
const MAX_LIST_ITEMS = 10;

const NULL_OPS: readonly FilterOp[] = ["is_null", "is_not_null"];
const LIST_OPS: readonly FilterOp[] = ["in", "range"];
const TEXT_OPS: readonly FilterOp[] = ["contains", "icontains", "like", "ilike", "startswith", "endswith"];

/** Escapes a literal for use inside a regular expression. */
export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");

const alternatives = (items: readonly string[]) => (items.length === 1 ? items[0]! : `(?:${items.join("|")})`);

function scalarValue(spec: FieldSpec): string {
  switch (spec.type) {
    case "uuid":
      return UUID;
    case "enum":
      return alternatives((spec.values ?? []).map(escapeRegExp));
    case "int": {
      const digits =
        spec.min !== undefined && spec.min >= INT16.min && spec.max !== undefined && spec.max <= INT16.max ? 4 : 9;
      return `(?:0|-?[1-9][0-9]{0,${digits - 1}})`;
    }
    case "timestamp":
      return TIMESTAMP;
    case "bool":
      return "(?:true|false)";
    case "string":
      return TEXT;
  }
}

/** The value forms of one field: one alternative per kind of operation it allows. */
function fieldForms(spec: FieldSpec, ops: readonly FilterOp[]): string[] {
  const forms: string[] = [];
  const nullOps = ops.filter((o) => NULL_OPS.includes(o));
  if (nullOps.length > 0) forms.push(alternatives(nullOps));
  const scalarOps = ops.filter((o) => !NULL_OPS.includes(o) && !LIST_OPS.includes(o) && !TEXT_OPS.includes(o));
  if (scalarOps.length > 0) forms.push(`${alternatives(scalarOps)}:${scalarValue(spec)}`);
  const textOps = ops.filter((o) => TEXT_OPS.includes(o));
  if (textOps.length > 0) forms.push(`${alternatives(textOps)}:${TEXT}`);
  const item = spec.type === "string" ? LIST_ITEM_TEXT : scalarValue(spec);
  if (ops.includes("in")) forms.push(`in:${item}(?:,${item}){0,${MAX_LIST_ITEMS - 1}}`);
  if (ops.includes("range")) forms.push(`range:${item},${item}`);
  return forms;
}

/**
 * One `filter` value of the resource: `field:operation[:value]`. Fields whose type, values and
 * operations agree share one alternative, which keeps the pattern short.
 */
export function filterPattern(specs: FilterSpecs): string {
  const groups = new Map<string, string[]>();
  for (const [field, spec] of Object.entries(specs)) {
    const forms = alternatives(fieldForms(spec, allowedOps(spec)));
    const fields = groups.get(forms) ?? [];
    fields.push(escapeRegExp(field));
    groups.set(forms, fields);
  }
  const branches = [...groups].map(([forms, fields]) => `${alternatives(fields)}:${forms}`);
  return `^${alternatives(branches)}$`;
}

/** One `sort` value: a field and an optional direction. */
export function sortPattern(specs: SortSpecs): string {
  return `^${alternatives(Object.keys(specs).map(escapeRegExp))}(?::(?:asc|desc))?$`;
}
