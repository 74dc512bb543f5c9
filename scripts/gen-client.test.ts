import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { apiRoutes } from "../services/api/app.js";
import { generateClientTypes, generateIdempotentPosts, IDEMPOTENT_FILE, SCHEMA_FILE } from "./gen-client.js";

describe("the typed client's generated types", () => {
  it("are exactly what the API's routes generate (run npm run gen:client when this fails)", async () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(await generateClientTypes());
    expect(readFileSync(IDEMPOTENT_FILE, "utf8")).toBe(await generateIdempotentPosts());
  });

  it("name the POSTs that honour an Idempotency-Key: the routes declared idempotent", async () => {
    const text = await generateIdempotentPosts();
    const expected = apiRoutes
      .filter((r) => r.method === "post" && r.idempotent)
      .map((r) => r.path.replace(/:([A-Za-z_]+)/g, "{$1}"))
      .sort();
    expect(expected).toContain("/v1/messages");
    // The list is formatted like the rest of the code: one line while it fits, one path a line after.
    expect(text.replace(/\s+/g, "").replace(/,\]/g, "]")).toContain(JSON.stringify(expected));
  });

  it("change when a route changes, so the committed file cannot hide a contract change", async () => {
    const renamed = apiRoutes.map((r) =>
      r.operationId === "createMessage" ? { ...r, operationId: "sendMessage" } : r,
    );
    const text = await generateClientTypes(renamed);
    expect(text).toContain("sendMessage");
    expect(text).not.toContain("createMessage");
    for (const r of apiRoutes) expect(readFileSync(SCHEMA_FILE, "utf8")).toContain(`operations["${r.operationId}"]`);
  });
});
