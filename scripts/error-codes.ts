/**
 * Every error `code` the platform's HTTP endpoints can answer in `{detail, code}`, read from the
 * source: AppError constructions and the helpers of core/errors.ts (badRequest, conflict, notFound,
 * unauthorized, forbidden, with their default codes), the webhook receiver's `fail(res, status,
 * code, …)`, and `{detail, code}` object literals written straight to a response. docs/errors.md
 * must list exactly these (scripts/error-codes.test.ts), so a new code cannot ship undocumented
 * and a code no longer emitted does not linger in the docs. The provider simulator is a test
 * double, not the API: its codes are not collected.
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SOURCE_DIRS = ["core", "db", "services"];
const SKIPPED = ["services/simulator/"];

const CODE = String.raw`"([a-z][a-z0-9]*(?:_[a-z0-9]+)*)"`;
/** One level of nested parentheses is enough for the helpers' arguments (template literals, calls). */
const ARGS = String.raw`\(((?:[^()]|\((?:[^()]|\([^()]*\))*\))*)\)`;
const DEFAULTS: Record<string, string> = {
  notFound: "not_found",
  unauthorized: "unauthorized",
  forbidden: "forbidden",
};

/** The codes one source text emits. */
export function codesIn(source: string): Set<string> {
  const out = new Set<string>();
  // Template literals are details (never codes): blanked, so their ; ( ) { } cannot cut a match short.
  const text = source.replace(/`(?:[^`\\]|\\.)*`/g, '""');
  const add = (re: RegExp) => {
    for (const m of text.matchAll(re)) out.add(m[1]!);
  };
  add(new RegExp(String.raw`new AppError\(\s*[^,()]+,\s*${CODE}`, "g"));
  add(new RegExp(String.raw`\b(?:badRequest|conflict)\(\s*${CODE}`, "g"));
  add(new RegExp(String.raw`\bfail\(\s*res,\s*[^,]+,\s*${CODE}`, "g"));
  // An object literal that carries a detail and a code, in either order, within one statement.
  add(new RegExp(String.raw`\bdetail:[^;]{0,400}?\bcode:\s*${CODE}`, "g"));
  add(new RegExp(String.raw`\bcode:\s*${CODE}[^;]{0,400}?\bdetail:`, "g"));
  // A conditional code: `fail(res, e.status, cond ? "a" : "b", …)`.
  for (const m of text.matchAll(
    new RegExp(String.raw`\bfail\(\s*res,\s*[^,]+,\s*[^?;,]+\?\s*${CODE}\s*:\s*${CODE}`, "g"),
  )) {
    out.add(m[1]!);
    out.add(m[2]!);
  }
  // notFound/unauthorized/forbidden: a code literal among the arguments, or the helper's default.
  for (const m of text.matchAll(new RegExp(String.raw`\b(notFound|unauthorized|forbidden)${ARGS}`, "g"))) {
    if (/^\s*(?:code|detail)\s*(?::|=)/.test(m[2]!) || /^\s*\w+\s*:\s*string/.test(m[2]!)) continue; // a declaration
    // The code is the one argument shaped like a code (details are sentences); none means the default.
    out.add(new RegExp(CODE).exec(m[2]!)?.[1] ?? DEFAULTS[m[1]!]!);
  }
  return out;
}

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const rel = relative(ROOT, p);
      if (SKIPPED.some((s) => rel.startsWith(s))) continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts") && !p.endsWith(".test.ts")) out.push(p);
    }
  };
  for (const d of SOURCE_DIRS) walk(join(ROOT, d));
  return out;
}

/** code → the files that emit it. */
export function emittedCodes(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    for (const code of codesIn(readFileSync(file, "utf8"))) {
      if (!out.has(code)) out.set(code, []);
      out.get(code)!.push(relative(ROOT, file));
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [code, files] of [...emittedCodes()].sort(([a], [b]) => a.localeCompare(b)))
    console.log(`${code}\t${files.join(", ")}`);
}
