/**
 * Property tests of the list grammar on every resource the API lists: whatever a client sends as
 * `filter` or `sort`, the parser answers a typed condition or a 400 naming the parameter, never
 * another error; the patterns the OpenAPI document publishes only admit strings the parser
 * accepts; and a condition written back as text parses to itself.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "../../core/errors.js";
import { allowedOps, compileFilters, FILTER_OPS, parseFilter, type FieldSpec } from "../../db/query/filters.js";
import { filterPattern, sortPattern } from "../../db/query/grammar-pattern.js";
import type { ResourceSpec, ScopedTable } from "../../db/query/list.js";
import { parseSort } from "../../db/query/sort.js";
import * as resources from "./resources.js";

/** The grammar's view of a resource: its filter and sort allow-lists. */
type Grammar = Pick<ResourceSpec<ScopedTable>, "filters" | "sorts">;
const RESOURCES: [string, Grammar][] = Object.entries(resources as Record<string, unknown>).filter(
  (e): e is [string, Grammar] => typeof e[1] === "object" && e[1] !== null && "filters" in e[1],
);
const RUNS = { numRuns: 300 };

/** Runs the parser and sorts the outcome into "parsed" or "refused as the grammar says". */
function outcome<T>(fn: () => T, code: string, field: string): { parsed: T } | { refused: AppError } {
  try {
    return { parsed: fn() };
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    const err = e as AppError;
    expect(err.status).toBe(400);
    expect(err.code).toBe(code);
    expect(err.extra).toEqual({ field });
    return { refused: err };
  }
}

/** Pieces a client might send: real field names and operations mixed with noise. */
function filterText(spec: Grammar) {
  const field = fc.oneof(fc.constantFrom(...Object.keys(spec.filters)), fc.string({ maxLength: 12 }));
  const op = fc.oneof(fc.constantFrom(...FILTER_OPS), fc.string({ maxLength: 8 }));
  const value = fc.oneof(
    fc.string({ maxLength: 40, unit: "grapheme" }),
    fc.integer().map(String),
    fc.uuid(),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    fc.constantFrom("true", "false", "", ",", "a,b", "1,2", "2026-01-01,2026-02-01"),
  );
  return fc.oneof(
    fc.tuple(field, op).map(([f, o]) => `${f}:${o}`),
    fc.tuple(field, op, value).map(([f, o, v]) => `${f}:${o}:${v}`),
    fc.string({ maxLength: 80, unit: "binary" }),
  );
}

/** Text the parser reads back as the same value. */
function valueText(spec: FieldSpec): fc.Arbitrary<{ text: string; value: unknown }> {
  switch (spec.type) {
    case "uuid":
      return fc.uuid().map((u) => ({ text: u.toUpperCase(), value: u.toLowerCase() }));
    case "enum":
      return fc.constantFrom(...(spec.values ?? [])).map((v) => ({ text: v, value: v }));
    case "int":
      return fc
        .integer({ min: spec.min ?? -2_147_483_648, max: spec.max ?? 2_147_483_647 })
        .map((n) => ({ text: String(n), value: n }));
    case "timestamp":
      return fc
        .date({ min: new Date("0001-01-02T00:00:00Z"), max: new Date("9999-12-30T00:00:00Z"), noInvalidDate: true })
        .map((d) => ({ text: d.toISOString(), value: d }));
    case "bool":
      return fc.boolean().map((b) => ({ text: String(b), value: b }));
    case "string":
      return fc
        .string({ maxLength: 50, unit: "grapheme" })
        .filter((s) => !s.includes("\u0000") && !s.includes(","))
        .map((s) => ({ text: s, value: s }));
  }
}

describe.each(RESOURCES)("list grammar of %s", (_name, spec) => {
  it("parses any filter text to an allowed, typed condition or refuses it with a 400 naming the filter", () => {
    fc.assert(
      fc.property(filterText(spec), fc.nat({ max: 19 }), (raw, index) => {
        const r = outcome(() => parseFilter(raw, spec.filters, index), "invalid_filter", `filter[${index}]`);
        if ("parsed" in r) {
          const f = spec.filters[r.parsed.field];
          expect(f).toBeDefined();
          expect(allowedOps(f!)).toContain(r.parsed.op);
          // A condition the parser hands on always compiles.
          expect(() => compileFilters([r.parsed], spec.filters)).not.toThrow();
        }
      }),
      RUNS,
    );
  });

  it("accepts every filter the published pattern admits", () => {
    const pattern = new RegExp(filterPattern(spec.filters));
    fc.assert(
      fc.property(fc.stringMatching(pattern), (raw) => {
        const parsed = parseFilter(raw, spec.filters);
        expect(() => compileFilters([parsed], spec.filters)).not.toThrow();
      }),
      RUNS,
    );
  });

  it("reads a condition written as text back as the same condition", () => {
    const condition = fc.constantFrom(...Object.keys(spec.filters)).chain((field) => {
      const f = spec.filters[field]!;
      const scalarOps = allowedOps(f).filter((o) => ["eq", "ne", "lt", "le", "gt", "ge"].includes(o));
      const one = fc.tuple(fc.constantFrom(...scalarOps), valueText(f)).map(([op, v]) => ({
        raw: `${field}:${op}:${v.text}`,
        expected: { field, op, value: v.value },
      }));
      const many = fc.array(valueText(f), { minLength: 1, maxLength: 5 }).map((vs) => ({
        raw: `${field}:in:${vs.map((v) => v.text).join(",")}`,
        expected: { field, op: "in", value: vs.map((v) => v.value) },
      }));
      return allowedOps(f).includes("in") ? fc.oneof(one, many) : one;
    });
    fc.assert(
      fc.property(condition, ({ raw, expected }) => {
        expect(parseFilter(raw, spec.filters)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("parses any sort text to known fields and directions or refuses it with a 400 naming sort", () => {
    const item = fc.oneof(
      fc
        .tuple(
          fc.oneof(fc.constantFrom(...Object.keys(spec.sorts)), fc.string({ maxLength: 10 })),
          fc.constantFrom("", ":asc", ":desc", ":up", ":asc:x"),
        )
        .map(([f, d]) => f + d),
      fc.string({ maxLength: 30, unit: "binary" }),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 7 }), (raw) => {
        const r = outcome(() => parseSort(raw, spec.sorts), "invalid_sort", "sort");
        if ("parsed" in r) {
          expect(r.parsed.length).toBeLessThanOrEqual(5);
          for (const s of r.parsed) expect(Object.keys(spec.sorts)).toContain(s.field);
          expect(new Set(r.parsed.map((s) => s.field)).size).toBe(r.parsed.length);
        }
      }),
      RUNS,
    );
  });

  it("accepts every sort value the published pattern admits, and reads written sorts back", () => {
    const pattern = new RegExp(sortPattern(spec.sorts));
    fc.assert(
      fc.property(fc.stringMatching(pattern), (raw) => {
        expect(parseSort([raw], spec.sorts)).toHaveLength(1);
      }),
      RUNS,
    );
    const sorts = fc.uniqueArray(
      fc.record({ field: fc.constantFrom(...Object.keys(spec.sorts)), dir: fc.constantFrom("asc", "desc") }),
      { selector: (s) => s.field, maxLength: 5 },
    );
    fc.assert(
      fc.property(sorts, (list) => {
        expect(parseSort([list.map((s) => `${s.field}:${s.dir}`).join(",")], spec.sorts)).toEqual(list);
      }),
      RUNS,
    );
  });
});
