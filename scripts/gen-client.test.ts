import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { apiRoutes } from "../services/api/app.js";
import { generateClientTypes, SCHEMA_FILE } from "./gen-client.js";

describe("the typed client's generated types", () => {
  it("are exactly what the API's routes generate (run npm run gen:client when this fails)", async () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(await generateClientTypes());
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
