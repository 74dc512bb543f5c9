/**
 * zod issues → the `{detail, code}` body. The first issue names the field in
 * `detail` and `field`; all of them are listed under `errors` for forms that show each one.
 */

import type { z } from "zod";
import { AppError, badRequest } from "../../../core/errors.js";

function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || "body";
}

export function issuesToError(issues: readonly z.core.$ZodIssue[], prefix = ""): AppError {
  const errors = issues.map((i) => {
    if (i.code === "unrecognized_keys") {
      const keys = i.keys.map((k) => fieldPath(prefix, [...i.path, k]));
      return { field: keys[0]!, detail: `unknown field${keys.length > 1 ? "s" : ""}: ${keys.join(", ")}` };
    }
    const field = fieldPath(prefix, i.path);
    return { field, detail: `${field}: ${i.message}` };
  });
  const first = errors[0] ?? { field: prefix || "body", detail: "invalid input" };
  return badRequest("validation_error", first.detail, { field: first.field, errors });
}

export function parseWith<S extends z.ZodType>(schema: S, input: unknown, prefix = ""): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw issuesToError(r.error.issues, prefix);
  return r.data;
}

/**
 * PostgreSQL refuses NUL characters in text and jsonb, and very deep jsonb. Checked on every
 * parsed body before validation, so such input is a 400 naming the field rather than a
 * database error.
 */
export function assertStorableJson(value: unknown, path = "", depth = 0): void {
  if (depth > 32)
    throw badRequest("validation_error", `${path || "body"}: nested too deeply`, { field: path || "body" });
  if (typeof value === "string") {
    if (value.includes("\u0000"))
      throw badRequest("validation_error", `${path || "body"}: contains a NUL character`, { field: path || "body" });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertStorableJson(v, `${path}[${i}]`, depth + 1));
    return;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const p = path ? `${path}.${k}` : k;
      if (k.includes("\u0000"))
        throw badRequest("validation_error", `${path || "body"}: a key contains a NUL character`, {
          field: path || "body",
        });
      assertStorableJson(v, p, depth + 1);
    }
  }
}
