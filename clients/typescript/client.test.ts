import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTurumbaClient, retryAfterMs, TurumbaApiError, type TurumbaClientOptions } from "./index.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A local API stand-in: each test sets how it answers; every request is recorded. */
let answer: (req: Seen, n: number) => { status: number; body?: unknown; headers?: Record<string, string> } | "drop";
const seen: Seen[] = [];
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(s);
      const a = answer(s, seen.length);
      if (a === "drop") return req.socket.destroy();
      res.writeHead(a.status, { "content-type": "application/json", ...a.headers });
      res.end(a.body === undefined ? "" : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen.length = 0;
});

const waits: number[] = [];
const client = (over: Partial<TurumbaClientOptions> = {}) => {
  waits.length = 0;
  return createTurumbaClient({
    baseUrl,
    apiKey: "tk_test",
    retryBaseDelayMs: 10,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...over,
  });
};

const message = { channel_type: "telegram", delivery_address: "42", message_body: "hi" } as const;

describe("the typed client's transport", () => {
  it("authenticates with the API key or the bearer token", async () => {
    answer = () => ({ status: 200, body: { items: [], total: 0, total_capped: false, skip: 0, limit: 50 } });
    await client().GET("/v1/messages");
    await client({ apiKey: undefined, bearerToken: "jwt" }).GET("/v1/messages");
    expect(seen[0]!.headers["x-api-key"]).toBe("tk_test");
    expect(seen[1]!.headers.authorization).toBe("Bearer jwt");
    expect(seen[1]!.headers["x-api-key"]).toBeUndefined();
  });

  it("gives a creating POST an Idempotency-Key and reuses it on every retry of that call", async () => {
    answer = (_r, n) =>
      n < 3 ? { status: 503, headers: { "retry-after": "1" } } : { status: 201, body: { id: "m1" } };
    const c = client();
    const { data } = await c.POST("/v1/messages", { body: message as never });
    expect(data).toEqual({ id: "m1" });
    expect(seen).toHaveLength(3);
    const keys = seen.map((s) => s.headers["idempotency-key"]);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    expect(seen.map((s) => JSON.parse(s.body))).toEqual([message, message, message]);

    seen.length = 0;
    answer = () => ({ status: 201, body: { id: "m2" } });
    await c.POST("/v1/messages", { body: message as never });
    expect(seen[0]!.headers["idempotency-key"]).not.toBe(keys[0]);
  });

  it("keeps the caller's Idempotency-Key, and sends none when turned off", async () => {
    answer = () => ({ status: 201, body: { id: "m1" } });
    await client().POST("/v1/messages", {
      body: message as never,
      params: { header: { "Idempotency-Key": "mine-1" } },
    });
    await client({ idempotencyKeys: false }).POST("/v1/messages", { body: message as never });
    expect(seen[0]!.headers["idempotency-key"]).toBe("mine-1");
    expect(seen[1]!.headers["idempotency-key"]).toBeUndefined();
  });

  it("generates no key for a POST whose operation ignores one, and never resends it after a network error", async () => {
    answer = () => "drop";
    const contact = { name: "Ada", email: "ada@example.test" } as never;
    await expect(client().POST("/v1/contacts", { body: contact })).rejects.toThrow();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers["idempotency-key"]).toBeUndefined();

    seen.length = 0;
    // A key the API would not honour here does not make the POST safe to repeat.
    await expect(
      client().POST("/v1/contacts", { body: contact, headers: { "Idempotency-Key": "mine-2" } }),
    ).rejects.toThrow();
    expect(seen).toHaveLength(1);
  });

  it("waits what Retry-After says on 429, in seconds or as an HTTP date, capped", async () => {
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
    const afters = ["2", inTwoMinutes];
    answer = (_r, n) =>
      n <= afters.length ? { status: 429, headers: { "retry-after": afters[n - 1]! } } : { status: 200, body: {} };
    const { response } = await client({ maxRetryDelayMs: 60_000 }).GET("/v1/channels/{id}", {
      params: { path: { id: "c1" } },
    });
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(3);
    expect(waits[0]).toBe(2000);
    expect(waits[1]).toBe(60_000);
  });

  it("backs off exponentially when no Retry-After is given, and stops after the bounded attempts", async () => {
    answer = () => ({ status: 503, body: { detail: "down", code: "provider_unavailable" } });
    const { response, error } = await client({ retries: 2 }).GET("/v1/messages");
    expect(seen).toHaveLength(3);
    expect(response.status).toBe(503);
    expect(error).toEqual({ detail: "down", code: "provider_unavailable" });
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(5);
    expect(waits[0]).toBeLessThanOrEqual(10);
    expect(waits[1]).toBeGreaterThanOrEqual(10);
    expect(waits[1]).toBeLessThanOrEqual(20);
  });

  it("does not retry other errors", async () => {
    answer = () => ({ status: 500, body: { detail: "boom", code: "internal_error" } });
    await client().GET("/v1/messages");
    answer = () => ({ status: 400, body: { detail: "bad", code: "validation_error" } });
    await client().POST("/v1/messages", { body: message as never });
    expect(seen).toHaveLength(2);
  });

  it("retries a network error only for a call that is safe to repeat", async () => {
    answer = (_r, n) => (n === 1 ? "drop" : { status: 200, body: { id: "c1" } });
    const { data } = await client().GET("/v1/channels/{id}", { params: { path: { id: "c1" } } });
    expect(data).toEqual({ id: "c1" });
    expect(seen).toHaveLength(2);

    seen.length = 0;
    answer = () => "drop";
    await expect(client({ idempotencyKeys: false }).POST("/v1/messages", { body: message as never })).rejects.toThrow();
    expect(seen).toHaveLength(1);

    seen.length = 0;
    answer = (_r, n) => (n === 1 ? "drop" : { status: 201, body: { id: "m1" } });
    // With a generated Idempotency-Key the API replays instead of creating twice: safe to resend.
    const created = await client().POST("/v1/messages", { body: message as never });
    expect(created.data).toEqual({ id: "m1" });
    expect(seen).toHaveLength(2);
    expect(seen[0]!.headers["idempotency-key"]).toBe(seen[1]!.headers["idempotency-key"]);

    seen.length = 0;
    answer = () => "drop";
    await expect(client({ retries: 1 }).GET("/v1/messages")).rejects.toThrow();
    expect(seen).toHaveLength(2);
  });
});

describe("paginate", () => {
  const rows = Array.from({ length: 7 }, (_, i) => ({ id: `c${i}` }));
  const listing =
    (opts: { capped?: boolean } = {}) =>
    (req: Seen) => {
      const u = new URL(req.url, "http://x");
      const skip = Number(u.searchParams.get("skip") ?? 0);
      const limit = Number(u.searchParams.get("limit") ?? 3);
      return {
        status: 200,
        body: {
          items: rows.slice(skip, skip + limit),
          total: opts.capped ? 5 : rows.length,
          total_capped: opts.capped ?? false,
          skip,
          limit,
        },
      };
    };

  it("walks every page by offset, passing the filter and sort on each", async () => {
    answer = listing();
    const pages = [];
    for await (const page of client().paginate("/v1/contacts", {
      limit: 3,
      filter: ["name:startswith:A", "status:eq:active"],
      sort: "created_at:asc",
    }))
      pages.push(page.items.map((c) => c.id));
    expect(pages).toEqual([["c0", "c1", "c2"], ["c3", "c4", "c5"], ["c6"]]);
    const queries = seen.map((s) => new URL(s.url, "http://x").searchParams);
    expect(queries.map((q) => q.get("skip"))).toEqual(["0", "3", "6"]);
    for (const q of queries) {
      expect(q.getAll("filter")).toEqual(["name:startswith:A", "status:eq:active"]);
      expect(q.get("sort")).toBe("created_at:asc");
    }
  });

  it("stops at the exact total without asking for an empty page, and goes on past a capped one", async () => {
    answer = listing();
    let n = 0;
    for await (const _ of client().paginate("/v1/contacts", { limit: 7 })) n++;
    expect(n).toBe(1);
    expect(seen).toHaveLength(1);

    seen.length = 0;
    answer = listing({ capped: true });
    const ids: string[] = [];
    for await (const page of client().paginate("/v1/contacts", { limit: 3 })) ids.push(...page.items.map((c) => c.id));
    expect(ids).toHaveLength(7);
  });

  it("starts at the caller's skip and throws the API's error as a TurumbaApiError", async () => {
    answer = listing();
    const first = await client().paginate("/v1/contacts", { limit: 3, skip: 6 }).next();
    expect(first.value && first.value.items).toEqual([{ id: "c6" }]);

    answer = () => ({ status: 400, body: { detail: "skip: at most 10000", code: "validation_error" } });
    const err = await client()
      .paginate("/v1/contacts")
      .next()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurumbaApiError);
    expect(err).toMatchObject({ status: 400, code: "validation_error" });
  });
});

describe("retryAfterMs", () => {
  it("reads delay-seconds and HTTP dates, and ignores anything else", () => {
    const now = Date.parse("2026-03-10T12:00:00Z");
    expect(retryAfterMs("7", now)).toBe(7000);
    expect(retryAfterMs("Tue, 10 Mar 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Tue, 10 Mar 2026 11:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs("-3", now)).toBeUndefined();
  });
});
