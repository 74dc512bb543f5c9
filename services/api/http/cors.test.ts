import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiConfigSchema } from "../config.js";
import { startEmbeddedApi, type EmbeddedApi } from "../testkit/embedded-api.js";

/** CORS on the embedded API: allowed origins, preflight, credentials off unless configured. */
describe("CORS", () => {
  let api: EmbeddedApi;
  let open: EmbeddedApi;
  beforeAll(async () => {
    api = await startEmbeddedApi({ API_CORS_ORIGINS: "https://app.example.com, http://localhost:5173" });
    open = await startEmbeddedApi({ API_CORS_ORIGINS: "*", API_CORS_MAX_AGE_SECONDS: "60" });
  });
  afterAll(async () => {
    await api.close();
    await open.close();
  });

  const preflight = (base: EmbeddedApi, origin: string) =>
    fetch(`${base.url}/v1/messages`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, x-api-key, idempotency-key",
      },
    });

  it("answers an allowed origin's preflight before authentication, without credentials", async () => {
    const res = await preflight(api, "https://app.example.com");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("access-control-allow-methods")).toContain("PATCH");
    expect(res.headers.get("access-control-allow-headers")).toMatch(/X-API-Key.*traceparent/);
    expect(res.headers.get("access-control-allow-headers")).toContain("Idempotency-Key");
    expect(res.headers.get("access-control-max-age")).toBe("600");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect(res.headers.get("vary")).toContain("Origin");
  });

  it("gives an allowed origin's request the header and the headers it may read; another origin gets none", async () => {
    const ok = await fetch(`${api.url}/v1/contacts`, {
      headers: { origin: "http://localhost:5173", "x-api-key": api.apiKey },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    expect(ok.headers.get("access-control-expose-headers")).toContain("Retry-After");
    const other = await fetch(`${api.url}/v1/contacts`, {
      headers: { origin: "https://evil.example", "x-api-key": api.apiKey },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const otherPreflight = await preflight(api, "https://evil.example");
    expect(otherPreflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(otherPreflight.status).not.toBe(204);
  });

  it("* allows any origin with a literal *; without origins no CORS header is sent", async () => {
    const res = await preflight(open, "https://anywhere.example");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-max-age")).toBe("60");
  });

  it("refuses credentials with *, and an origin that is not scheme://host[:port]", () => {
    const parse = (env: Record<string, string>) => apiConfigSchema.safeParse(env).success;
    expect(parse({ API_CORS_ORIGINS: "*", API_CORS_CREDENTIALS: "true" })).toBe(false);
    expect(parse({ API_CORS_ORIGINS: "https://a.example", API_CORS_CREDENTIALS: "true" })).toBe(true);
    expect(parse({ API_CORS_ORIGINS: "https://a.example/path" })).toBe(false);
    expect(parse({ API_CORS_ORIGINS: "a.example" })).toBe(false);
    expect(apiConfigSchema.parse({}).API_CORS_ORIGINS).toEqual([]);
  });
});
