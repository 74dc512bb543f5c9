/**
 * Streams a CSV upload into batches without holding the file: the request is piped through a
 * byte counter into the parser, rows are validated one by one and handed on 1,000 at a time. An
 * upload still arriving after its deadline fails with 408, so a client that trickles bytes cannot
 * keep an import (and its slot) open for the server's whole request timeout. Contacts: columns
 * name, email and phone are the contact; any other column goes into metadata (and so becomes a
 * template variable). Suppressions (csv-suppressions.ts) bring their own columns and row check.
 * Invalid rows are counted and the first 100 reported; a malformed file, or one over the size or
 * row limit, fails the whole import.
 */

import { Transform, pipeline, type TransformCallback } from "node:stream";
import type { Request } from "express";
import { parse, CsvError } from "csv-parse";
import { AppError, badRequest } from "../../core/errors.js";
import type { NewContact } from "../../db/contacts/repository.js";
import { email, phone } from "./schemas/contacts.js";

export const BATCH = 1000;
const CORE = new Set(["name", "email", "phone"]);

export interface ImportStats {
  rejected: number;
  errors: { line: number; detail: string }[];
}

class ByteLimit extends Transform {
  private seen = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max)
      cb(new AppError(413, "payload_too_large", `the CSV file is larger than ${this.max} bytes`, { field: "body" }));
    else cb(null, chunk);
  }
}

function contactHeaders(names: string[]): void {
  if (!names.some((n) => CORE.has(n)))
    throw badRequest("invalid_csv", "the header row needs at least one of the columns name, email, phone", {
      field: "body",
    });
}

/** The header row's column names, lower-cased, checked by `check` and the rules every import shares. */
function headers(row: string[], check: (names: string[]) => void): string[] {
  const names = row.map((h) => h.trim().toLowerCase());
  check(names);
  const bad = names.find((n) => !/^[a-z][a-z0-9_]{0,63}$/.test(n));
  if (bad !== undefined)
    throw badRequest(
      "invalid_csv",
      `column "${bad.slice(0, 64)}": names are letters, digits and _ (starting with a letter)`,
      { field: "body" },
    );
  if (new Set(names).size !== names.length)
    throw badRequest("invalid_csv", "the header row names a column twice", { field: "body" });
  if (names.length > 50) throw badRequest("invalid_csv", "at most 50 columns", { field: "body" });
  return names;
}

function toContact(record: Record<string, string>): NewContact | string {
  const c: NewContact = { metadata: {} };
  for (const [k, raw] of Object.entries(record)) {
    const v = raw.trim();
    if (v.includes("\u0000")) return `${k}: contains a NUL character`;
    if (v === "") continue;
    if (k === "name") {
      if (v.length > 255) return "name: at most 255 characters";
      c.name = v;
    } else if (k === "email") {
      const r = email.safeParse(v);
      if (!r.success) return "email: must be an e-mail address";
      c.email = r.data;
    } else if (k === "phone") {
      const r = phone.safeParse(v);
      if (!r.success) return "phone: must be a phone number";
      c.phone = r.data;
    } else {
      if (v.length > 1000) return `${k}: at most 1000 characters`;
      c.metadata![k] = v;
    }
  }
  if (!c.name && !c.email && !c.phone) return "a contact needs a name, email or phone";
  return c;
}

export interface CsvLimits {
  maxBytes: number;
  maxRows: number;
  deadlineMs: number;
}

export function csvContactBatches(req: Request, limits: CsvLimits, stats: ImportStats): AsyncIterable<NewContact[]> {
  return csvBatches(req, limits, stats, contactHeaders, toContact);
}

/**
 * Batches of the rows `toRow` accepts (it answers an error text for a row it rejects); `check`
 * refuses a header row that lacks the columns the import needs.
 */
export function csvBatches<T>(
  req: Request,
  limits: CsvLimits,
  stats: ImportStats,
  check: (names: string[]) => void,
  toRow: (record: Record<string, string>) => T | string,
): AsyncIterable<T[]> {
  const parser = parse({
    columns: (row: string[]) => headers(row, check),
    bom: true,
    skip_empty_lines: true,
    relax_column_count: false,
    max_record_size: 64 * 1024,
  });
  const counter = new ByteLimit(limits.maxBytes);
  pipeline(req, counter, parser, () => undefined);
  const deadline = setTimeout(() => {
    counter.destroy(
      new AppError(408, "upload_timeout", `the CSV upload did not arrive within ${limits.deadlineMs / 1000} s`, {
        field: "body",
      }),
    );
  }, limits.deadlineMs);
  deadline.unref();
  return (async function* () {
    let batch: T[] = [];
    let rows = 0;
    try {
      for await (const record of parser as AsyncIterable<Record<string, string>>) {
        rows++;
        if (rows > limits.maxRows)
          throw new AppError(413, "too_many_rows", `the CSV file has more than ${limits.maxRows} rows`, {
            field: "body",
          });
        const c = toRow(record);
        if (typeof c === "string") {
          stats.rejected++;
          if (stats.errors.length < 100) stats.errors.push({ line: rows + 1, detail: c });
          continue;
        }
        batch.push(c);
        if (batch.length === BATCH) {
          yield batch;
          batch = [];
        }
      }
    } catch (err) {
      if (err instanceof CsvError) throw badRequest("invalid_csv", `malformed CSV: ${err.message}`, { field: "body" });
      throw err;
    } finally {
      clearTimeout(deadline);
    }
    if (batch.length > 0) yield batch;
  })();
}
