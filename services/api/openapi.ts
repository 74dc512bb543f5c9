/**
 * OpenAPI 3.1 document built from the route declarations and their zod schemas (JSON Schema
 * draft 2020-12, which OpenAPI 3.1 uses as its schema dialect).
 */

import { z } from "zod";
import type { AnyRoute } from "./http/route.js";
import { errorSchema } from "./schemas/common.js";

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  const out = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Json;
  delete out.$schema;
  return out;
}

const openApiPath = (p: string) => p.replace(/:([A-Za-z_]+)/g, "{$1}");

function parameters(route: AnyRoute): Json[] {
  const out: Json[] = [];
  const add = (schema: z.ZodType | undefined, where: "path" | "query") => {
    if (!schema) return;
    const s = jsonSchema(schema, "input") as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
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

export function buildOpenApi(routes: AnyRoute[], info: { version: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const responses: Json = {};
    for (const [code, doc] of Object.entries(route.responses)) {
      responses[code] = doc.schema
        ? {
            description: doc.description,
            content: { "application/json": { schema: jsonSchema(doc.schema, "output") } },
          }
        : { description: doc.description };
    }
    responses["429"] ??= {
      description: "Rate limit exceeded",
      content: { "application/json": { schema: jsonSchema(errorSchema, "output") } },
    };
    const op: Json = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      parameters: parameters(route),
      responses,
      "x-permission": route.permission,
    };
    if (route.body)
      op.requestBody = { required: true, content: { "application/json": { schema: jsonSchema(route.body, "input") } } };
    if (route.rawBody)
      op.requestBody = {
        required: true,
        content: {
          [route.rawBody.contentType]: { schema: { type: "string", description: route.rawBody.description } },
        },
      };
    (paths[path] ??= {})[route.method] = op;
  }
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
      schemas: { Error: jsonSchema(errorSchema, "output") },
    },
    paths,
  };
}
