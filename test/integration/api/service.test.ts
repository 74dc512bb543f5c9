import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRoutes } from "../../../services/api/app.js";
import { startHarness, type Harness, type Loose } from "./harness.js";

describe("health, readiness, OpenAPI", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it("/health and /ready (with the database check)", async () => {
    expect((await h.call("GET", "/health")).body).toEqual({ status: "ok" });
    expect(await h.call("GET", "/ready")).toMatchObject({ status: 200, body: { status: "ready", database: true } });
  });

  it("/ready reports the host's own checks, e.g. the sidecar", async () => {
    const { createApiApp } = await import("../../../services/api/app.js");
    const { apiConfigSchema } = await import("../../../services/api/config.js");
    const { createLogger } = await import("../../../core/logger.js");
    const app = createApiApp({
      db: h.db,
      publisher: h.publisher,
      config: apiConfigSchema.parse({}),
      logger: createLogger("t", { level: "silent" }),
      ready: async () => ({ sidecar: false }),
    });
    const { createServer } = await import("node:http");
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: "not_ready", database: true, sidecar: false });
    } finally {
      server.close();
    }
  });

  it("serves an OpenAPI 3.1 document generated from the route schemas", async () => {
    const res = await h.call("GET", "/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toHaveLength(new Set(apiRoutes.map((r) => r.path)).size);
    const ids = apiRoutes.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const create = doc.paths["/v1/messages"].post;
    const body = create.requestBody.content["application/json"].schema;
    // A message names its channel or only a channel type, and its address; a reply takes all of
    // them from the inbound message it answers: each is documented, none required alone.
    expect(body.required).toBeUndefined();
    expect(Object.keys(body.properties)).toEqual(
      expect.arrayContaining(["channel_id", "channel_type", "delivery_address", "reply_to_message_id"]),
    );
    expect(body.additionalProperties).toBe(false);
    expect(create.parameters.map((p: { name: string }) => p.name)).toContain("Idempotency-Key");
    expect(doc.paths["/v1/messages"].get.parameters.map((p: { name: string }) => p.name)).toEqual([
      "filter",
      "sort",
      "skip",
      "limit",
    ]);
    expect(doc.paths["/v1/channels/{id}"].get.parameters[0]).toMatchObject({ name: "id", in: "path", required: true });
    // Shared schemas live in components/schemas; a response refers to them.
    const resolve = (schema: Loose) =>
      schema.$ref ? doc.components.schemas[String(schema.$ref).replace("#/components/schemas/", "")] : schema;
    const channel = resolve(doc.paths["/v1/channels/{id}"].get.responses["200"].content["application/json"].schema);
    expect(channel.properties.credentials.description).toMatch(/never returned/);
    expect(doc.paths["/v1/contact-groups/{id}/import"].post.requestBody.content["text/csv"]).toBeDefined();
    // Creating a channel, or changing its credentials, asks the provider unless verify=false.
    for (const op of [doc.paths["/v1/channels"].post, doc.paths["/v1/channels/{id}"].patch]) {
      expect(op.parameters).toContainEqual(
        expect.objectContaining({
          name: "verify",
          in: "query",
          required: false,
          schema: expect.objectContaining({ enum: ["true", "false"], default: "true" }),
        }),
      );
      expect(op.responses["422"].description).toMatch(/invalid_credentials/);
      expect(op.responses["503"].description).toMatch(/provider_unavailable.*Retry-After/);
    }
    const contact = doc.paths["/v1/contacts/{id}"].get.responses["200"].content["application/json"].schema;
    expect(contact.properties.opt_outs.items.properties.source.enum).toContain("bounce");
  });
});
