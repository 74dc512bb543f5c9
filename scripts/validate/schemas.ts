/**
 * The validation toolchain (installed by tools.sh) and the JSON-schema validators built from it, and
 * the Problem every check reports.
 */

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { K8S_DEFINITIONS_ID, loadCrdSchemas } from "./crd.js";
import type { Doc } from "./yaml-io.js";

export interface Tools {
  KUSTOMIZE: string;
  K8S_SCHEMAS: string;
  DAPR_CRDS: string;
  KEDA_CRDS: string;
  COMPOSE_SCHEMA: string;
  COMPOSE_CONFIG: string;
  HADOLINT: string;
  PROMETHEUS_CRDS: string;
}

/** Installs (once per machine) and locates the validation toolchain; see tools.sh. */
export function loadTools(): Tools {
  const script = join(dirname(fileURLToPath(import.meta.url)), "tools.sh");
  const out = execFileSync("bash", [script], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const entries = Object.fromEntries(
    out
      .trim()
      .split("\n")
      .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
  const tools = entries as unknown as Tools;
  for (const key of [
    "KUSTOMIZE",
    "K8S_SCHEMAS",
    "DAPR_CRDS",
    "KEDA_CRDS",
    "COMPOSE_SCHEMA",
    "COMPOSE_CONFIG",
    "HADOLINT",
    "PROMETHEUS_CRDS",
  ] as const) {
    if (!tools[key] || !existsSync(tools[key])) throw new Error(`validation tool ${key} missing (${tools[key]})`);
  }
  return tools;
}

export interface Problem {
  source: string;
  message: string;
}

const describe = (errors: ErrorObject[] | null | undefined): string[] =>
  (errors ?? []).map((e) => {
    const where = e.instancePath || "/";
    if (e.keyword === "additionalProperties")
      return `${where}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    if (e.keyword === "unevaluatedProperties")
      return `${where}: unknown field "${(e.params as { unevaluatedProperty: string }).unevaluatedProperty}"`;
    if (e.keyword === "enum")
      return `${where}: ${e.message} (${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")})`;
    return `${where}: ${e.message}`;
  });

/**
 * JSON-schema validators for everything we ship: Kubernetes kinds (strict schemas, unknown
 * fields rejected), the Dapr and KEDA custom resources (their CRDs, made strict), and the
 * Compose specification. Validators compile on first use.
 */
export class Schemas {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly crds = new Map<string, Doc>();

  constructor(private readonly tools: Tools) {
    this.ajv.addSchema(
      JSON.parse(readFileSync(join(tools.K8S_SCHEMAS, "_definitions.json"), "utf8")) as Doc,
      K8S_DEFINITIONS_ID,
    );
    for (const dir of [tools.DAPR_CRDS, tools.KEDA_CRDS, tools.PROMETHEUS_CRDS]) {
      for (const crd of loadCrdSchemas(dir)) this.crds.set(`${crd.group}/${crd.version}/${crd.kind}`, crd.schema);
    }
  }

  /** Problems of one Kubernetes-style object (built-in kind or custom resource); none means valid. */
  checkObject(doc: Doc, source: string): Problem[] {
    const apiVersion = typeof doc.apiVersion === "string" ? doc.apiVersion : "";
    const kind = typeof doc.kind === "string" ? doc.kind : "";
    if (!apiVersion || !kind) return [{ source, message: "no apiVersion or kind" }];
    const key = `${apiVersion}/${kind}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      const schema = this.crds.get(key) ?? this.builtinSchema(apiVersion, kind);
      if (!schema)
        return [
          {
            source,
            message: `no schema for ${kind} ${apiVersion}: not a Kubernetes ${this.version()} kind nor a Dapr, KEDA or Prometheus Operator resource`,
          },
        ];
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    const name = (doc.metadata as { name?: string } | undefined)?.name ?? "?";
    return validate(doc)
      ? []
      : describe(validate.errors).map((m) => ({ source: `${source} ${kind}/${name}`, message: m }));
  }

  /** Problems of a compose file against the Compose specification. */
  checkCompose(doc: Doc, source: string): Problem[] {
    let validate = this.compiled.get("compose");
    if (!validate) {
      validate = this.ajv.compile(JSON.parse(readFileSync(this.tools.COMPOSE_SCHEMA, "utf8")) as Doc);
      this.compiled.set("compose", validate);
    }
    return validate(doc) ? [] : describe(validate.errors).map((m) => ({ source, message: m }));
  }

  private version(): string {
    return /v(\d+\.\d+)/.exec(this.tools.K8S_SCHEMAS)?.[1] ?? "?";
  }

  /** kubernetes-validate names files `<kind>-<group's first label>-<version>.json` (`v1` alone for the core group). */
  private builtinSchema(apiVersion: string, kind: string): Doc | undefined {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    const file = join(
      this.tools.K8S_SCHEMAS,
      `${kind.toLowerCase()}-${group ? `${group.split(".")[0]}-` : ""}${version}.json`,
    );
    if (!existsSync(file)) return undefined;
    const schema = JSON.parse(readFileSync(file, "utf8")) as Doc;
    // A group that merely shares a first label (foo.apps.example.com) must not pass as `apps`.
    const allowed = ((schema.properties as Doc | undefined)?.apiVersion as { enum?: string[] } | undefined)?.enum;
    return allowed && !allowed.includes(apiVersion) ? undefined : schema;
  }
}
