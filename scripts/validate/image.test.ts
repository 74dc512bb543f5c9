import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./generate.js";

/**
 * The image (Dockerfile) compiles core, services, actors, adapters and db, minus tests, test kits
 * and fixtures, and installs production dependencies only. Any of those files importing a
 * development dependency would start in CI and crash in the container: this catches it here.
 */
const RUNTIME_DIRS = ["core", "services", "actors", "adapters", "db"];
const excluded = (path: string) =>
  path.endsWith(".test.ts") || path.includes("/testkit/") || path.includes("/fixtures/");

function runtimeFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts") && !excluded(relative(REPO_ROOT, p))) out.push(p);
    }
  };
  for (const d of RUNTIME_DIRS) walk(join(REPO_ROOT, d));
  return out;
}

const packageOf = (specifier: string) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!;

describe("the runtime image", () => {
  it("needs no development dependency at run time", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const allowed = new Set([...Object.keys(pkg.dependencies), ...builtinModules]);
    const offenders: string[] = [];
    for (const file of runtimeFiles()) {
      const text = readFileSync(file, "utf8");
      // Static imports and re-exports; `import type` vanishes when compiled.
      for (const m of text.matchAll(
        /^\s*(?:import|export)\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?["']([^"'.][^"']*)["']/gm,
      )) {
        const name = packageOf(m[1]!.replace(/^node:/, ""));
        if (!allowed.has(name)) offenders.push(`${relative(REPO_ROOT, file)} imports ${m[1]}`);
      }
      for (const m of text.matchAll(/\bimport\(\s*["']([^"'.][^"']*)["']\s*\)/g)) {
        const name = packageOf(m[1]!.replace(/^node:/, ""));
        if (!allowed.has(name)) offenders.push(`${relative(REPO_ROOT, file)} imports ${m[1]} dynamically`);
      }
    }
    expect(offenders).toEqual([]);
    expect(runtimeFiles().map((f) => relative(REPO_ROOT, f))).toContain("services/main.ts");
  });

  it("is based on the pinned Node major, by digest", () => {
    const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] ?? "";
    const major = readFileSync(join(REPO_ROOT, ".node-version"), "utf8").trim().split(".")[0];
    expect(base).toMatch(new RegExp(`^node:${major}[.\\w-]*@sha256:[0-9a-f]{64}$`));
    const engines = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { engines: { node: string } })
      .engines.node;
    expect(engines).toMatch(new RegExp(`^>=${major}\\.`));
  });
});
