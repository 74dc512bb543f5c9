/**
 * Writes every generated deployment file (k8s/base/generated/, the KEDA component,
 * docker-compose.yml) from scripts/validate/model.ts and the component files under components/
 * and dapr/. `--check` writes nothing and fails when a committed file differs (CI runs the same
 * comparison as a test).
 *
 *   npx tsx scripts/validate/generate.ts [--check]
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { composeFile } from "./gen-compose.js";
import { k8sFiles } from "./gen-k8s.js";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export function generatedFiles(root: string): Record<string, string> {
  return { ...k8sFiles(root), "docker-compose.yml": composeFile(root) };
}

/** Paths whose committed content differs from what the generator produces now. */
export function drift(root: string): string[] {
  return Object.entries(generatedFiles(root))
    .filter(([path, content]) => !existsSync(join(root, path)) || readFileSync(join(root, path), "utf8") !== content)
    .map(([path]) => path);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--check")) {
    const stale = drift(REPO_ROOT);
    for (const p of stale) console.error(`out of date: ${p}`);
    if (stale.length) {
      console.error("run: npx tsx scripts/validate/generate.ts");
      process.exit(1);
    }
    console.log("generated deployment files are up to date");
  } else {
    for (const [path, content] of Object.entries(generatedFiles(REPO_ROOT))) {
      mkdirSync(dirname(join(REPO_ROOT, path)), { recursive: true });
      writeFileSync(join(REPO_ROOT, path), content);
      console.log(`wrote ${path}`);
    }
  }
}
