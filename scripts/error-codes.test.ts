import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { codesIn, emittedCodes, ROOT } from "./error-codes.js";

const DOC = readFileSync(join(ROOT, "docs", "errors.md"), "utf8");

/** The codes docs/errors.md documents: the first cell of each table row. */
const documented = () => [...DOC.matchAll(/^\| `([a-z0-9_]+)` \| (\d{3}) \|/gm)].map((m) => m[1]!);

describe("docs/errors.md", () => {
  it("lists every code the endpoints can emit, and none they no longer do", () => {
    const emitted = emittedCodes();
    const listed = new Set(documented());
    const missing = [...emitted.keys()]
      .filter((c) => !listed.has(c))
      .map((c) => `${c} (${emitted.get(c)!.join(", ")})`);
    const stale = [...listed].filter((c) => !emitted.has(c));
    expect(missing, "emitted but not in docs/errors.md").toEqual([]);
    expect(stale, "in docs/errors.md but no longer emitted").toEqual([]);
    // The collector does find the codes: a broken pattern cannot pass as an empty agreement.
    expect(emitted.size).toBeGreaterThan(40);
    for (const c of ["validation_error", "rate_limited", "provider_unavailable", "signature_invalid", "not_found"])
      expect(emitted.has(c), c).toBe(true);
  });

  it("lists each code once, with its status and what to do", () => {
    const codes = documented();
    expect(new Set(codes).size).toBe(codes.length);
    for (const row of DOC.split("\n").filter((l) => /^\| `[a-z0-9_]+` \|/.test(l)))
      expect(
        row.split(" | ").filter((cell) => cell.trim().length > 0),
        row,
      ).toHaveLength(4);
  });

  it("is linked from README's REST API section", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain("docs/errors.md");
  });
});

describe("the code collector", () => {
  it("reads every way the source emits a code", () => {
    const source = `
      throw new AppError(
        503,
        "first_code",
        \`the detail; with (parentheses) and {braces} \${x}\`,
      );
      throw badRequest("second_code", "detail", { field: "x" });
      throw conflict("third_code", \`detail \${y}\`);
      throw notFound("row not found");
      throw forbidden(\`needs \${p} (a permission)\`, "fourth_code");
      const unauthorized = (code: string, detail: string) => new AppError(401, code, detail);
      throw unauthorized("fifth_code", "the detail");
      fail(res, 404, "sixth_code", "detail");
      fail(res, e.status, e.type === "entity.too.large" ? "seventh_code" : "eighth_code", "x");
      return { status: 503, body: { detail: \`a; b\`, code: "ninth_code" } };
      res.status(401).json({ code: "tenth_code", detail: "x" });
      ctx.addIssue({ code: "custom", message: "not an HTTP error" });
      error = { code: "not_http_either", message: "a message's own error" };
    `;
    expect([...codesIn(source)].sort()).toEqual(
      [
        "eighth_code",
        "fifth_code",
        "first_code",
        "fourth_code",
        "ninth_code",
        "not_found",
        "second_code",
        "seventh_code",
        "sixth_code",
        "tenth_code",
        "third_code",
      ].sort(),
    );
  });
});
