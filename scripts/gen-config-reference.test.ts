import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../core/config.js";
import { END, renderReference, START, withReference } from "./gen-config-reference.js";

const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");

describe("README configuration reference", () => {
  it("is exactly what core/config.ts generates (run npx tsx scripts/gen-config-reference.ts when this fails)", () => {
    expect(withReference(readme)).toBe(readme);
  });

  it("lists every setting of the schema with its default", () => {
    const block = readme.slice(readme.indexOf(START), readme.indexOf(END));
    for (const name of Object.keys(configSchema.shape)) expect(block).toContain(`| \`${name}\``);
    expect(block).toMatch(/\| `APP_PORT` \| integer 1–65535 \| `3000` \|/);
    expect(block).toMatch(/\| `DATABASE_URL` 🔒 \| string \| unset \|/);
  });

  it("notices a README whose block was edited by hand or left behind by a schema change", () => {
    const edited = readme.replace("| `LOG_LEVEL` |", "| `LOG_LEVELS` |");
    expect(edited).not.toBe(readme);
    expect(withReference(edited)).not.toBe(edited);
    expect(withReference(edited)).toBe(readme);
  });

  it("refuses a README without the markers instead of guessing where the block goes", () => {
    expect(() => withReference("# no markers here\n")).toThrow(/no configuration reference markers/);
    expect(renderReference()).toContain("| Variable | Values | Default | Meaning |");
  });
});
