/**
 * Offline validation of everything we deploy, as CI runs it:
 *   - every kustomization (k8s/base, each overlay, and the base with each component no overlay
 *     includes) rendered by kustomize, every object
 *     against the Kubernetes schemas or the Dapr/KEDA CRD schemas, unknown fields rejected;
 *   - every YAML under components/ and dapr/ against the Dapr CRD schemas;
 *   - docker-compose.yml against the Compose specification and through compose-go's loader;
 *   - the Dockerfile through hadolint;
 *   - the cross-references and rules of consistency.ts;
 *   - every component's metadata keys against components-contrib's metadata.yaml (contrib-metadata.ts).
 *
 *   npx tsx scripts/validate/validate.ts [repo-root]
 */

import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkCompose, checkLocal, checkRendered } from "./consistency.js";
import { checkComponentMetadata, contribDir } from "./contrib-metadata.js";
import { lintDockerfile, loadComposeFile } from "./tool-checks.js";
import { REPO_ROOT } from "./generate.js";
import { loadTools, Schemas, type Problem, type Tools } from "./schemas.js";
import { parseDocs, readDocs, yamlFilesUnder, type SourcedDoc } from "./yaml-io.js";

export interface Report {
  problems: Problem[];
  /** Checks that could not run here, and why (never counted as passed). */
  skipped: string[];
  /** What was checked: source → number of objects. */
  checked: Record<string, number>;
}

export function kustomizations(root: string): string[] {
  const overlays = existsSync(join(root, "k8s/overlays"))
    ? readdirSync(join(root, "k8s/overlays"))
        .sort()
        .map((d) => `k8s/overlays/${d}`)
    : [];
  return ["k8s/base", ...overlays];
}

/** Components no overlay includes (optional ones such as monitoring): each is validated on top of the base. */
export function optionalComponents(root: string): string[] {
  const dir = join(root, "k8s/components");
  if (!existsSync(dir)) return [];
  const used = kustomizations(root)
    .map((k) => readFileSync(join(root, k, "kustomization.yaml"), "utf8"))
    .join("\n");
  return readdirSync(dir)
    .sort()
    .filter((c) => !used.includes(`components/${c}`))
    .map((c) => `k8s/components/${c}`);
}

/** The base with one component, rendered through a throwaway kustomization under k8s/ (kustomize refuses absolute paths). */
export function renderWithBase(tools: Tools, root: string, component: string): SourcedDoc[] {
  const tmp = mkdtempSync(join(root, "k8s", ".render-"));
  try {
    writeFileSync(
      join(tmp, "kustomization.yaml"),
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base\ncomponents:\n  - ../${component.slice("k8s/".length)}\n`,
    );
    return render(tools, root, join("k8s", basename(tmp)));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function render(tools: Tools, root: string, dir: string): SourcedDoc[] {
  const out = execFileSync(tools.KUSTOMIZE, ["build", join(root, dir)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 << 20,
  });
  return parseDocs(out, `kustomize build ${dir}`);
}

export function validateRepo(root: string, tools: Tools, schemas = new Schemas(tools)): Report {
  const problems: Problem[] = [];
  const checked: Record<string, number> = {};
  const skipped: string[] = [];
  const contrib = contribDir(resolve(tools.DAPR_CRDS, "../../.."));
  if (!contrib.dir) skipped.push(`component metadata keys against components-contrib: ${contrib.missing}`);

  for (const dir of [...kustomizations(root), ...optionalComponents(root)]) {
    let docs: SourcedDoc[];
    try {
      docs = dir.startsWith("k8s/components/") ? renderWithBase(tools, root, dir) : render(tools, root, dir);
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      problems.push({ source: `kustomize build ${dir}`, message: (e.stderr || e.message).trim() });
      continue;
    }
    checked[dir] = docs.length;
    for (const d of docs) problems.push(...schemas.checkObject(d.doc, dir));
    problems.push(...checkRendered(docs, dir));
    if (contrib.dir) problems.push(...checkComponentMetadata(docs, contrib.dir, dir));
  }

  const local = ["components", "dapr"].flatMap((dir) => yamlFilesUnder(root, dir)).flatMap((f) => readDocs(root, f));
  for (const d of local) {
    checked[d.source] = (checked[d.source] ?? 0) + 1;
    problems.push(...schemas.checkObject(d.doc, d.source));
  }
  problems.push(...checkLocal(local, root));
  if (contrib.dir) problems.push(...checkComponentMetadata(local, contrib.dir, ""));

  const [compose, ...extra] = readDocs(root, "docker-compose.yml");
  if (!compose || extra.length)
    problems.push({ source: "docker-compose.yml", message: "must hold exactly one YAML document" });
  else {
    checked["docker-compose.yml"] = 1;
    problems.push(
      ...schemas.checkCompose(compose.doc, "docker-compose.yml"),
      ...checkCompose(compose.doc, root, "docker-compose.yml"),
    );
  }
  problems.push(...loadComposeFile(tools, root, "docker-compose.yml"));
  if (existsSync(join(root, "Dockerfile"))) {
    checked.Dockerfile = 1;
    problems.push(...lintDockerfile(tools, root));
  }
  return { problems, checked, skipped };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? REPO_ROOT);
  const { problems, checked, skipped } = validateRepo(root, loadTools());
  for (const s of skipped) console.warn(`SKIPPED ${s}`);
  for (const [source, n] of Object.entries(checked)) console.log(`checked ${source}: ${n} object${n === 1 ? "" : "s"}`);
  for (const p of problems) console.error(`INVALID ${p.source}: ${p.message}`);
  console.log(problems.length ? `${problems.length} problem(s)` : "all valid");
  process.exit(problems.length ? 1 : 0);
}
