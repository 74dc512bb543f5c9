/**
 * Component metadata keys checked against components-contrib's own `metadata.yaml` of the
 * version the pinned daprd is built with (dapr's go.mod names it). A misspelt key is not a schema
 * error: Dapr ignores it and the component silently runs on its default. The files are read from
 * the Go module cache, where tools.sh and scripts/dapr-binaries.sh leave them; without them the
 * check reports that it could not run instead of passing.
 */

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import YAML from "yaml";
import type { Problem } from "./schemas.js";
import type { Doc, SourcedDoc } from "./yaml-io.js";

/**
 * Keys the Dapr runtime itself reads from any component of a kind, before the component sees the
 * metadata (so no metadata.yaml lists them): a binding's direction and route, a state store's
 * actorStateStore, a pub/sub's consumerID (dapr pkg/runtime: bindings, actors, pubsub).
 */
const RUNTIME_KEYS: Record<string, string[]> = {
  bindings: ["direction", "route"],
  state: ["actorStateStore"],
  pubsub: ["consumerID"],
};

/** components-contrib's module directory for the daprd at `daprModuleDir`, or why it is unavailable. */
export function contribDir(daprModuleDir: string): { dir?: string; missing?: string } {
  const goMod = join(daprModuleDir, "go.mod");
  if (!existsSync(goMod)) return { missing: `no go.mod in ${daprModuleDir}` };
  const version = /^\s*github\.com\/dapr\/components-contrib (v\S+)/m.exec(readFileSync(goMod, "utf8"))?.[1];
  if (!version) return { missing: `${goMod} names no components-contrib version` };
  let cache = join(homedir(), "go/pkg/mod");
  try {
    cache = execFileSync("go", ["env", "GOMODCACHE"], { encoding: "utf8" }).trim() || cache;
  } catch {
    // No Go on PATH: the default module cache.
  }
  const dir = join(cache, `github.com/dapr/components-contrib@${version}`);
  return existsSync(dir)
    ? { dir }
    : { missing: `components-contrib ${version} is not in the Go module cache (${dir})` };
}

interface MetadataFile {
  metadata?: { name: string }[];
  authenticationProfiles?: { metadata?: { name: string }[] }[];
  builtinAuthenticationProfiles?: { name: string }[];
}

/**
 * Keys a component's Go metadata struct reads but marks `mdignore:"true"` because they come from a
 * built-in authentication profile (AWS region, accessKey, secretKey, …) whose shared YAML is not
 * shipped in the Go module: without them every credential key of bindings.aws.s3 would be "unknown".
 */
export function ignoredStructKeys(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const keys: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".go") && !n.endsWith("_test.go"))) {
    for (const line of readFileSync(join(dir, f), "utf8").split("\n")) {
      if (!line.includes('mdignore:"true"')) continue;
      const key = /mapstructure:"([^",]+)"/.exec(line)?.[1];
      if (key) keys.push(key);
    }
  }
  return keys;
}

/** Keys a component type accepts, or undefined when components-contrib has no such type. */
export function acceptedKeys(contrib: string, type: string, version: string): Set<string> | undefined {
  const [kind, ...rest] = type.split(".");
  const base = join(contrib, kind!, ...rest.join(".").split("."));
  const file = [join(base, version, "metadata.yaml"), join(base, "metadata.yaml")].find(existsSync);
  if (!file) return undefined;
  const m = YAML.parse(readFileSync(file, "utf8")) as MetadataFile;
  const builtinAuth = (m.builtinAuthenticationProfiles ?? []).length > 0;
  return new Set([
    ...(builtinAuth ? ignoredStructKeys(dirname(file)) : []),
    ...(m.metadata ?? []).map((x) => x.name),
    ...(m.authenticationProfiles ?? []).flatMap((p) => (p.metadata ?? []).map((x) => x.name)),
    ...(RUNTIME_KEYS[kind!] ?? []),
  ]);
}

/** Problems of every Component among `docs`: an unknown type, or a metadata key its type does not have. */
export function checkComponentMetadata(docs: SourcedDoc[], contrib: string, label: string): Problem[] {
  const problems: Problem[] = [];
  for (const { source, doc } of docs) {
    if (doc.kind !== "Component") continue;
    const spec = doc.spec as Doc & { type: string; version: string; metadata?: { name: string }[] };
    const where = `${label || source}: Component/${(doc.metadata as Doc).name as string}`;
    // A missing type or version is the schema check's to report.
    if (typeof spec.type !== "string" || typeof spec.version !== "string") continue;
    const keys = acceptedKeys(contrib, spec.type, spec.version);
    if (!keys) {
      problems.push({ source: where, message: `components-contrib has no ${spec.type} ${spec.version}` });
      continue;
    }
    for (const m of spec.metadata ?? [])
      if (!keys.has(m.name))
        problems.push({ source: where, message: `${spec.type} has no metadata key "${m.name}" (components-contrib)` });
  }
  return problems;
}
