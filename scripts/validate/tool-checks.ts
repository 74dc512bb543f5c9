/**
 * Checks that run the tools the files are written for, rather than a schema of them: the Compose
 * file through compose-go's loader (what `docker compose config` runs: interpolation, merging and
 * the references between services, networks and volumes, which the schema does not see), and the
 * Dockerfile through hadolint.
 */

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Problem, Tools } from "./schemas.js";

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim(), error: r.error };
}

/** The compose file loaded by compose-go; a problem when the loader refuses it. */
export function loadComposeFile(tools: Pick<Tools, "COMPOSE_CONFIG">, root: string, file: string): Problem[] {
  // A clean environment: only the defaults written in the file apply, as on a machine with nothing set.
  const r = run(tools.COMPOSE_CONFIG, [join(root, file)], root);
  if (r.error) return [{ source: file, message: `compose-config did not run: ${r.error.message}` }];
  return r.status === 0 ? [] : [{ source: `${file} (compose-go loader)`, message: r.out }];
}

/** hadolint's findings on a Dockerfile, one problem each. */
export function lintDockerfile(tools: Pick<Tools, "HADOLINT">, root: string, file = "Dockerfile"): Problem[] {
  if (!existsSync(join(root, file))) return [{ source: file, message: "missing" }];
  const r = run(tools.HADOLINT, ["--no-color", file], root);
  if (r.error) return [{ source: file, message: `hadolint did not run: ${r.error.message}` }];
  if (r.status === 0) return [];
  return r.out
    .split("\n")
    .filter(Boolean)
    .map((line) => ({ source: `${file} (hadolint)`, message: line }));
}
