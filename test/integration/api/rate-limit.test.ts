import { randomUUID } from "node:crypto";
import { bucketKey } from "../../../services/api/http/rate-limit.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

describe("per-account API rate limit", () => {
  let h: Harness;
  beforeAll(async () => {
    // Exact mode: every request reconciles with the shared counter.
    h = await startHarness({ API_RATE_LIMIT: "5", API_RATE_WINDOW_SECONDS: "60", API_RATE_SYNC_MS: "0" });
  });
  afterAll(async () => h.close());

  it("counts every request of an account, tells the client, and refuses over the limit with Retry-After", async () => {
    h.clock.current = new Date("2026-03-10T12:00:10Z");
    const token = await h.token({ accounts: [randomUUID()] });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await h.call("GET", "/v1/contacts", { token });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-ratelimit-limit")).toBe("5");
      seen.push(Number(res.headers.get("x-ratelimit-remaining")));
      expect(Number(res.headers.get("x-ratelimit-reset"))).toBe(50);
    }
    expect(seen).toEqual([4, 3, 2, 1, 0]);
    const refused = await h.call("GET", "/v1/contacts", { token });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: "rate_limited" });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another account is not affected.
    expect((await h.call("GET", "/v1/contacts", { token: await h.token({ accounts: [randomUUID()] }) })).status).toBe(
      200,
    );
  });

  it("holds across API replicas sharing the database", async () => {
    h.clock.current = new Date("2026-03-10T13:00:05Z");
    const token = await h.token({ accounts: [randomUUID()] });
    const replica = await h.replica({ API_RATE_LIMIT: "5", API_RATE_WINDOW_SECONDS: "60", API_RATE_SYNC_MS: "0" });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const base = i % 2 === 0 ? h.url : replica.url;
        statuses.push((await fetch(`${base}/v1/contacts`, { headers: { authorization: `Bearer ${token}` } })).status);
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.slice(5)).toEqual([429, 429, 429]);
    } finally {
      await replica.close();
    }
  });

  it("lets requests through again as the window slides", async () => {
    h.clock.current = new Date("2026-03-10T14:00:00Z");
    const token = await h.token({ accounts: [randomUUID()], expiresIn: 7200 });
    for (let i = 0; i < 5; i++) await h.call("GET", "/v1/contacts", { token });
    expect((await h.call("GET", "/v1/contacts", { token })).status).toBe(429);
    // Two windows later nothing of the burst is left.
    h.clock.advance(120_000);
    expect((await h.call("GET", "/v1/contacts", { token })).status).toBe(200);
  });

  it("batched mode counts locally between syncs and writes every hit to the shared row", async () => {
    h.clock.current = new Date("2026-03-10T15:00:00Z");
    const replica = await h.replica({ API_RATE_LIMIT: "5", API_RATE_WINDOW_SECONDS: "60", API_RATE_SYNC_MS: "200" });
    try {
      const account = randomUUID();
      const token = await h.token({ accounts: [account] });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++)
        statuses.push(
          (await fetch(`${replica.url}/v1/contacts`, { headers: { authorization: `Bearer ${token}` } })).status,
        );
      // The clock does not move: after the first sync every hit is local, and the limit still holds.
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      // The background flush adds the local hits to the shared row, where other replicas see them.
      await new Promise((r) => setTimeout(r, 500));
      const { rows } = await h.db.withSession((s) =>
        s.query<{ count: number }>("SELECT count FROM api_rate_limits WHERE bucket = $1", [bucketKey([account])]),
      );
      expect(rows[0]!.count).toBe(8);
      expect((await h.call("GET", "/v1/contacts", { token })).status).toBe(429);
    } finally {
      await replica.close();
    }
  });
});
