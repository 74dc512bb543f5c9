/**
 * The OpenAPI document as tools read it: every error status declared with the shared error
 * schema, the list grammar as patterns whose examples the parser accepts, named schemas shared
 * through components with no reference left dangling, and links from each create to the
 * operations on the row it returns.
 */

import { describe, expect, it } from "vitest";
import { parseFilter } from "../../db/query/filters.js";
import { parseSort } from "../../db/query/sort.js";
import { apiRoutes } from "./app.js";
import { buildOpenApi } from "./openapi.js";
import * as r from "./resources.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const doc: Json = buildOpenApi(apiRoutes, { version: "test", limits: { maxLimit: 100, maxSkip: 10_000 } });
const operations = Object.entries(doc.paths as Json).flatMap(([path, methods]) =>
  Object.entries(methods as Json).map(([method, op]) => ({ path, method, op: op as Json })),
);
const LISTS: Record<string, Pick<typeof r.channelsResource, "filters" | "sorts">> = {
  "/v1/channels": r.channelsResource,
  "/v1/messages": r.messagesResource,
  "/v1/templates": r.templatesResource,
  "/v1/group-messages": r.groupMessagesResource,
  "/v1/scheduled-messages": r.scheduledMessagesResource,
  "/v1/contacts": r.contactsResource,
  "/v1/contact-groups": r.contactGroupsResource,
  "/v1/api-keys": r.apiKeysResource,
  "/v1/suppressions": r.suppressionsResource,
  "/v1/conversations": r.conversationsResource,
  "/v1/conversations/{id}/messages": r.messagesResource,
};
const ERROR_REF = { $ref: "#/components/schemas/Error" };

function refsOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsOf(n, out));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refsOf(v, out);
    }
  }
  return out;
}

describe("OpenAPI document", () => {
  it("declares every error status an operation can answer, each with the {detail, code} schema", () => {
    expect(operations).toHaveLength(apiRoutes.length);
    for (const { path, method, op } of operations) {
      const route = apiRoutes.find((r) => r.operationId === op.operationId)!;
      const expected = ["400", "401", "403", "429", "500", "503"];
      if (route.body || route.rawBody) expected.push("413", "415");
      if (route.params) expected.push("404");
      for (const status of expected) {
        const response = op.responses[status];
        expect(response, `${method} ${path} ${status}`).toBeDefined();
        expect(response.content["application/json"].schema, `${method} ${path} ${status}`).toEqual(ERROR_REF);
      }
    }
    expect(doc.components.schemas.Error.required).toEqual(["detail", "code"]);
  });

  it("publishes each list's filter and sort grammar as patterns whose examples the parser accepts", () => {
    const lists = operations.filter(({ op }) => op.parameters.some((p: Json) => p.name === "filter"));
    expect(lists.map((l) => l.path).sort()).toEqual(Object.keys(LISTS).sort());
    for (const { path, op } of lists) {
      const filter = op.parameters.find((p: Json) => p.name === "filter").schema.anyOf[0];
      const sort = op.parameters.find((p: Json) => p.name === "sort").schema.anyOf[0];
      const spec = LISTS[path]!;
      expect(filter.examples.length, path).toBeGreaterThan(0);
      for (const example of filter.examples as string[]) {
        expect(example, path).toMatch(new RegExp(filter.pattern));
        expect(() => parseFilter(example, spec.filters), `${path} ${example}`).not.toThrow();
      }
      for (const example of sort.examples as string[]) {
        expect(example, path).toMatch(new RegExp(sort.pattern));
        expect(() => parseSort([example], spec.sorts)).not.toThrow();
      }
      // The value the document used to allow, refused by the API with a 400 on every list.
      expect("0").not.toMatch(new RegExp(filter.pattern));
      const limit = op.parameters.find((p: Json) => p.name === "limit").schema;
      expect(limit).toMatchObject({ minimum: 1, maximum: 100 });
    }
  });

  it("shares named schemas through components, with every reference resolving", () => {
    const schemas = doc.components.schemas as Json;
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining(["Error", "Channel", "Message", "Template", "Contact", "ContactGroup", "ApiKey"]),
    );
    const get = doc.paths["/v1/channels/{id}"].get.responses["200"].content["application/json"].schema;
    expect(get).toEqual({ $ref: "#/components/schemas/Channel" });
    const page = doc.paths["/v1/channels"].get.responses["200"].content["application/json"].schema;
    expect(page.properties.items.items).toEqual({ $ref: "#/components/schemas/Channel" });
    for (const ref of refsOf(doc)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(schemas[ref.slice("#/components/schemas/".length)], ref).toBeDefined();
    }
  });

  it("shows an example body on every create, one the route's own validation accepts", () => {
    const creates = apiRoutes.filter((route) => route.method === "post" && route.body && route.responses[201]);
    expect(creates.length).toBeGreaterThanOrEqual(8);
    for (const route of creates) {
      const path = route.path.replace(/:([A-Za-z_]+)/g, "{$1}");
      const schema = doc.paths[path].post.requestBody.content["application/json"].schema;
      expect(schema.examples?.length, route.operationId).toBeGreaterThan(0);
      for (const example of schema.examples as unknown[]) {
        const parsed = route.body!.safeParse(example);
        expect(parsed.success, `${route.operationId}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      }
    }
  });

  it("states that an update must change something", () => {
    const patch = doc.paths["/v1/contacts/{id}"].patch.requestBody.content["application/json"].schema;
    expect(patch.minProperties).toBe(1);
  });

  it("links each create to the operations on the row it returns", () => {
    const links = doc.paths["/v1/templates"].post.responses["201"].links as Json;
    expect(Object.keys(links).sort()).toEqual(["deleteTemplate", "getTemplate", "previewTemplate", "updateTemplate"]);
    expect(links.getTemplate).toEqual({ operationId: "getTemplate", parameters: { id: "$response.body#/id" } });
  });
});
