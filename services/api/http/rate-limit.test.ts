import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../metrics.js";
import { startEmbeddedApi, type EmbeddedApi } from "../testkit/embedded-api.js";

async function limiterErrors(): Promise<number> {
  const metric = await registry.getSingleMetricAsString("turumba_rate_limiter_errors_total").catch(() => "");
  const m = /^turumba_rate_limiter_errors_total(?:\{[^}]*\})? (\d+)/m.exec(metric);
  return m ? Number(m[1]) : 0;
}

describe("per-account rate limit", () => {
  let api: EmbeddedApi;
  beforeAll(async () => {
    api = await startEmbeddedApi({ API_RATE_LIMIT: "2", API_RATE_SYNC_MS: "0" });
  }, 60_000);
  afterAll(async () => api.close());

  it("limits a principal with many accounts like any other", async () => {
    const accounts = Array.from({ length: 12 }, () => randomUUID());
    const token = await api.token(accounts);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await api.call("GET", "/v1/templates", { headers: { authorization: `Bearer ${token}` } })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it("counts and logs a limiter failure instead of passing silently", async () => {
    const before = await limiterErrors();
    await api.db.withSession((s) => s.exec("ALTER TABLE api_rate_limits RENAME TO api_rate_limits_gone"));
    try {
      const res = await api.call("GET", "/v1/templates", { headers: { "x-api-key": api.apiKey } });
      expect(res.status).toBe(200);
      expect(await limiterErrors()).toBe(before + 1);
      expect(api.logs.some((l) => l.includes("rate-limit counter unavailable"))).toBe(true);
    } finally {
      await api.db.withSession((s) => s.exec("ALTER TABLE api_rate_limits_gone RENAME TO api_rate_limits"));
    }
  });
});
