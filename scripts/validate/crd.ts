/**
 * Dapr's and KEDA's CRDs turned into strict JSON Schemas, so a component file with a misspelt field
 * fails validation instead of being pruned silently by the API server.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocs, type Doc } from "./yaml-io.js";

/** Where the Kubernetes schemas of kubernetes-validate expect their shared definitions. */
export const K8S_DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json";

/**
 * A CRD's openAPIV3Schema as a JSON Schema that rejects what the API server would prune or
 * refuse: an object that lists its properties accepts no others unless the CRD marks it
 * x-kubernetes-preserve-unknown-fields. (The API server silently prunes unknown fields; a
 * typo in a component file would vanish the same way, so we reject it instead.)
 */
export function strictSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictSchema);
  if (!node || typeof node !== "object") return node;
  const n = node as Doc;
  const out: Doc = {};
  for (const [k, v] of Object.entries(n)) {
    if (k.startsWith("x-kubernetes-") || k === "nullable") continue;
    if (k === "properties" || k === "patternProperties" || k === "definitions") {
      out[k] = Object.fromEntries(Object.entries(v as Doc).map(([pk, pv]) => [pk, strictSchema(pv)]));
    } else if (["items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"].includes(k)) {
      out[k] = typeof v === "boolean" ? v : strictSchema(v);
    } else {
      out[k] = v;
    }
  }
  if (n["x-kubernetes-int-or-string"] === true) {
    delete out.type;
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  if (n.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
  const preserve = n["x-kubernetes-preserve-unknown-fields"] === true;
  if (!preserve && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

export interface CrdSchema {
  group: string;
  version: string;
  kind: string;
  schema: Doc;
}

/** Every served version of every CRD in a directory of CRD YAML files. */
export function loadCrdSchemas(dir: string): CrdSchema[] {
  const out: CrdSchema[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    for (const { doc } of parseDocs(readFileSync(join(dir, file), "utf8"), join(dir, file))) {
      if (doc.kind !== "CustomResourceDefinition") continue;
      const spec = doc.spec as {
        group: string;
        names: { kind: string };
        versions: { name: string; served: boolean; schema?: { openAPIV3Schema: Doc } }[];
      };
      for (const v of spec.versions) {
        if (!v.served || !v.schema) continue;
        const schema = strictSchema(v.schema.openAPIV3Schema) as Doc;
        const props = (schema.properties ?? {}) as Doc;
        // apiVersion and kind must name this very resource; metadata is checked as Kubernetes ObjectMeta.
        props.apiVersion = { type: "string", const: `${spec.group}/${v.name}` };
        props.kind = { type: "string", const: spec.names.kind };
        props.metadata = { $ref: `${K8S_DEFINITIONS_ID}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta` };
        schema.properties = props;
        schema.additionalProperties = false;
        schema.required = [...new Set([...((schema.required as string[]) ?? []), "apiVersion", "kind", "metadata"])];
        out.push({ group: spec.group, version: v.name, kind: spec.names.kind, schema });
      }
    }
  }
  return out;
}
