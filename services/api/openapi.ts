/**
 * OpenAPI 3.1 document built from the route declarations and their zod schemas (JSON Schema
 * draft 2020-12, which OpenAPI 3.1 uses as its schema dialect). Written for tools as much as for
 * people: every operation declares each error status it can answer with the `{detail, code}`
 * body, schemas named with `.meta({ id })` are shared through `components/schemas` instead of
 * copied into every operation, and a create operation links to the operations on the row it
 * returns, so a client generator or a stateful fuzzer can follow them.
 */

import { z } from "zod";
import type { AnyRoute } from "./http/route.js";
import { errorSchema } from "./schemas/common.js";

type Json = Record<string, unknown>;

export interface OpenApiInfo {
  version: string;
  /** The deployment's paging bounds, stated as the maxima of `limit` and `skip`. */
  limits?: { maxLimit: number; maxSkip: number };
}

/** Error statuses every operation may answer, whatever its own declaration says. */
const ALWAYS: Record<number, string> = {
  400: "Invalid input; `field` names the parameter or body field",
  401: "Missing or invalid credentials",
  403: "The caller's role or account does not allow this",
  429: "Rate limit exceeded; see Retry-After",
  500: "Internal error (code internal_error); the detail never echoes internals",
  503: "A dependency is unavailable or a query took too long (code query_timeout); try again later",
};
const WITH_BODY: Record<number, string> = {
  413: "The request body is larger than allowed (code payload_too_large)",
  415: "The request body is not in the declared content type or charset",
};
const WITH_ID: Record<number, string> = {
  404: "No such row in the caller's accounts",
};

const REF_PREFIX = "#/$defs/";
const COMPONENT_PREFIX = "#/components/schemas/";

/** Rewrites references to hoisted definitions so they point into `components/schemas`. */
function pointRefs(node: unknown, hoisted: ReadonlySet<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) pointRefs(item, hoisted);
    return;
  }
  if (!node || typeof node !== "object") return;
  const obj = node as Json;
  const ref = obj.$ref;
  if (typeof ref === "string" && ref.startsWith(REF_PREFIX) && hoisted.has(ref.slice(REF_PREFIX.length)))
    obj.$ref = COMPONENT_PREFIX + ref.slice(REF_PREFIX.length);
  for (const value of Object.values(obj)) pointRefs(value, hoisted);
}

/**
 * Converts zod schemas, collecting the named ones into shared components. zod puts a schema named
 * with `.meta({ id })` under `$defs` by that name; the names it invents itself (`__schema0`, for
 * recursion) stay local to the schema that needs them.
 */
class SchemaWriter {
  readonly components: Record<string, Json> = {};

  write(schema: z.ZodType, io: "input" | "output"): Json {
    const out = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Json;
    delete out.$schema;
    const defs = (out.$defs ?? {}) as Record<string, Json>;
    const hoisted = new Set(Object.keys(defs).filter((id) => !/^__schema\d+$/.test(id)));
    for (const id of hoisted) {
      const def = defs[id]!;
      delete defs[id];
      pointRefs(def, hoisted);
      const known = this.components[id];
      if (known && JSON.stringify(known) !== JSON.stringify(def))
        throw new Error(`two different schemas are named ${id} (an input and an output form?)`);
      this.components[id] = def;
    }
    if (Object.keys(defs).length === 0) delete out.$defs;
    pointRefs(out, hoisted);
    return out;
  }
}

const openApiPath = (p: string) => p.replace(/:([A-Za-z_]+)/g, "{$1}");

function parameters(route: AnyRoute, writer: SchemaWriter, info: OpenApiInfo): Json[] {
  const out: Json[] = [];
  const add = (schema: z.ZodType | undefined, where: "path" | "query") => {
    if (!schema) return;
    const s = writer.write(schema, "input") as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      if (where === "query" && info.limits && (name === "limit" || name === "skip"))
        prop.maximum = name === "limit" ? info.limits.maxLimit : info.limits.maxSkip;
      out.push({
        name,
        in: where,
        required: where === "path" || (s.required ?? []).includes(name),
        ...(typeof prop.description === "string" ? { description: prop.description } : {}),
        schema: prop,
        ...(where === "query" && (name === "filter" || name === "sort") ? { style: "form", explode: true } : {}),
      });
    }
  };
  add(route.params, "path");
  add(route.query, "query");
  if (route.idempotent) {
    out.push({
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description:
        "Repeat a request safely: the same key and body return the original response; the same key with another body is a 409.",
      schema: { type: "string", minLength: 1, maxLength: 255 },
    });
  }
  return out;
}

const errorResponse = (description: string): Json => ({
  description,
  content: { "application/json": { schema: { $ref: `${COMPONENT_PREFIX}Error` } } },
});

function responses(route: AnyRoute, writer: SchemaWriter): Json {
  const out: Json = {};
  for (const [code, doc] of Object.entries(route.responses)) {
    out[code] = doc.schema
      ? {
          description: doc.description,
          content: { "application/json": { schema: writer.write(doc.schema, "output") } },
        }
      : { description: doc.description };
  }
  const defaults = {
    ...ALWAYS,
    ...(route.body || route.rawBody ? WITH_BODY : {}),
    ...(route.params ? WITH_ID : {}),
  };
  for (const [code, description] of Object.entries(defaults)) out[code] ??= errorResponse(description);
  return out;
}

/**
 * A create operation (POST on a collection, answering 201 with the row) links to every operation
 * under `<collection>/{id}`, passing the new row's id.
 */
function addLinks(routes: AnyRoute[], paths: Record<string, Record<string, Json>>): void {
  for (const create of routes) {
    if (create.method !== "post" || create.params || !create.responses[201]?.schema) continue;
    const prefix = `${openApiPath(create.path)}/{id}`;
    const links: Json = {};
    for (const target of routes) {
      const path = openApiPath(target.path);
      if (path !== prefix && !path.startsWith(`${prefix}/`)) continue;
      const extra = [...path.slice(prefix.length).matchAll(/\{([A-Za-z_]+)\}/g)];
      if (extra.length > 0) continue;
      links[target.operationId] = {
        operationId: target.operationId,
        parameters: { id: "$response.body#/id" },
      };
    }
    if (Object.keys(links).length === 0) continue;
    const response = (paths[openApiPath(create.path)]!.post!.responses as Record<string, Json>)["201"]!;
    response.links = links;
  }
}

export function buildOpenApi(routes: AnyRoute[], info: OpenApiInfo): Json {
  const writer = new SchemaWriter();
  writer.write(errorSchema, "output");
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const op: Json = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      parameters: parameters(route, writer, info),
      responses: responses(route, writer),
      "x-permission": route.permission,
    };
    if (route.body)
      op.requestBody = {
        required: true,
        content: { "application/json": { schema: writer.write(route.body, "input") } },
      };
    if (route.rawBody)
      op.requestBody = {
        required: true,
        content: {
          [route.rawBody.contentType]: {
            schema: {
              type: "string",
              ...(route.rawBody.contentType === "application/octet-stream" ? { format: "binary" } : {}),
              description: route.rawBody.description,
            },
          },
          ...(route.rawBody.alsoMultipartFile
            ? {
                "multipart/form-data": {
                  schema: {
                    type: "object",
                    required: ["file"],
                    properties: { file: { type: "string", format: "binary" } },
                  },
                },
              }
            : {}),
        },
      };
    (paths[openApiPath(route.path)] ??= {})[route.method] = op;
  }
  addLinks(routes, paths);
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "Turumba Messaging API",
      version: info.version,
      description:
        "Channels, messages, templates, group and scheduled messages, contacts. Errors are {detail, code} (plus field for validation errors); every code, its meaning and what to do: docs/errors.md in the repository. " +
        "List endpoints take filter=field:op:value (repeatable), sort=field:asc|desc, skip and limit, and return {items, total, total_capped, skip, limit}.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }, { apiKey: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "RS256 access token; roles from cognito:groups",
        },
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key", description: "Per-account API key" },
      },
      schemas: writer.components,
    },
    paths,
  };
}
