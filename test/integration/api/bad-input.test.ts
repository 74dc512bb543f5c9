import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILTER_OPS } from "../../../db/query/filters.js";
import { account, makeChannel, startHarness, type Harness, type Res } from "./harness.js";

/**
 * Property-based bad-input suite: thousands of generated requests (arbitrary JSON, corrupted
 * valid bodies, malformed JSON, oversized bodies, hostile filter/sort strings, junk ids and
 * parameters). Every answer must be a 4xx with {detail, code} — or a success when the
 * generator happened to build valid input — and never a 5xx.
 */
const SQLI = [
  "' OR '1'='1",
  "'; DROP TABLE messages; --",
  "1; SELECT pg_sleep(5)",
  '" OR ""="',
  "%' UNION SELECT credentials_ciphertext FROM channels --",
  "$1",
  "\\",
  "%",
  "_",
  "'::uuid",
  "2026-01-01'::timestamptz OR true --",
  "\u0000",
  "𝕋𝕦𝕣𝕦𝕞𝕓𝕒",
  "a".repeat(2000),
];

const hostile = fc.oneof(
  fc.constantFrom(...SQLI),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
);
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  hostile,
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1e308, -1, 0, 1.5, true, null, [], {}, "", "\u0000"),
);

const notJson = (junk: string) => {
  try {
    JSON.parse(`{${junk}`);
    return false;
  } catch {
    return true;
  }
};

function expectClientError(res: Res, where: string): void {
  expect(res.status, `${where} → ${res.status} ${res.text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400) {
    expect(typeof res.body?.detail, `${where}: ${res.text.slice(0, 200)}`).toBe("string");
    expect(typeof res.body?.code).toBe("string");
  }
}

describe("bad input never reaches a 5xx", () => {
  let h: Harness;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  const ids: Record<string, string> = {};
  let requests = 0;
  const call = async (method: string, path: string, opts: Parameters<Harness["call"]>[2] = {}) => {
    requests++;
    const res = await h.call(method, path, { token: a.token, ...opts });
    expectClientError(
      res,
      `${method} ${path} ${JSON.stringify(opts.body ?? opts.query ?? opts.raw ?? "").slice(0, 200)}`,
    );
    return res;
  };

  beforeAll(async () => {
    h = await startHarness();
    a = await account(h);
    b = await account(h);
    ids.channel = (await makeChannel(h, a.token)).id;
    ids.template = (
      await h.call("POST", "/v1/templates", { token: a.token, body: { name: "t", body: "Hi {NAME}" } })
    ).body.id;
    ids.group = (await h.call("POST", "/v1/contact-groups", { token: a.token, body: { name: "g" } })).body.id;
    ids.contact = (
      await h.call("POST", "/v1/contacts", { token: a.token, body: { name: "c", phone: "+251911000000" } })
    ).body.id;
    ids.message = (
      await h.call("POST", "/v1/messages", {
        token: a.token,
        body: { channel_id: ids.channel, delivery_address: "1", message_body: "m" },
      })
    ).body.id;
    ids.group_message = (
      await h.call("POST", "/v1/group-messages", {
        token: a.token,
        body: { channel_id: ids.channel, message_body: "x", contact_group_ids: [ids.group] },
      })
    ).body.id;
    ids.scheduled = (
      await h.call("POST", "/v1/scheduled-messages", {
        token: a.token,
        body: {
          channel_id: ids.channel,
          send_type: "single",
          delivery_address: "1",
          message_body: "x",
          scheduled_at: "2026-04-01T00:00:00Z",
        },
      })
    ).body.id;
    // Rows of another account that no hostile filter may surface.
    const bch = await makeChannel(h, b.token);
    for (let i = 0; i < 3; i++)
      await h.call("POST", "/v1/messages", {
        token: b.token,
        body: { channel_id: bch.id, delivery_address: "2", message_body: `b's ${i} ' OR '1'='1` },
      });
  });
  afterAll(async () => {
    process.stdout.write(`bad-input suite: ${requests} generated requests\n`);
    expect(h.logs.join("")).not.toContain("unhandled error");
    await h.close();
  });

  const valid = (): Record<string, { path: string; method: string; body: Record<string, unknown> }> => ({
    channel: {
      method: "POST",
      path: "/v1/channels",
      body: {
        name: `c-${randomUUID()}`,
        channel_type: "telegram",
        credentials: { bot_token: "123:AAAAAAAAAAAAAAAAAAAAAAAAAA" },
        rate_limit: 60,
      },
    },
    message: {
      method: "POST",
      path: "/v1/messages",
      body: {
        channel_id: ids.channel,
        delivery_address: "12345",
        message_body: "hello",
        priority: 1,
        metadata: { a: 1 },
      },
    },
    template: {
      method: "POST",
      path: "/v1/templates",
      body: { name: `t-${randomUUID()}`, body: "Hi {NAME}", default_values: { NAME: "x" }, fallback_strategy: "keep" },
    },
    preview: {
      method: "POST",
      path: "/v1/templates/preview",
      body: { body: "Hi {NAME}", contact: { name: "A" }, custom_values: { NAME: "B" } },
    },
    group_message: {
      method: "POST",
      path: "/v1/group-messages",
      body: { channel_id: ids.channel, message_body: "x", contact_group_ids: [ids.group], status: "draft" },
    },
    scheduled: {
      method: "POST",
      path: "/v1/scheduled-messages",
      body: {
        channel_id: ids.channel,
        send_type: "single",
        delivery_address: "1",
        message_body: "x",
        scheduled_at: "2026-04-01T00:00:00Z",
        timezone: "UTC",
      },
    },
    contact: {
      method: "POST",
      path: "/v1/contacts",
      body: { name: "n", email: "a@b.co", phone: "+251911000000", metadata: {} },
    },
    contact_group: {
      method: "POST",
      path: "/v1/contact-groups",
      body: { name: `g-${randomUUID()}`, description: "d" },
    },
    members: { method: "POST", path: `/v1/contact-groups/${ids.group}/members`, body: { contact_ids: [ids.contact] } },
    api_key: { method: "POST", path: "/v1/api-keys", body: { name: "k", role: "user" } },
    patch_message: { method: "PATCH", path: `/v1/messages/${ids.message}`, body: { metadata: { x: 1 } } },
    patch_channel: {
      method: "PATCH",
      path: `/v1/channels/${ids.channel}`,
      body: { name: `n-${randomUUID()}`, rate_limit: 10 },
    },
    patch_template: { method: "PATCH", path: `/v1/templates/${ids.template}`, body: { body: "Hey {NAME}" } },
    patch_group_message: { method: "PATCH", path: `/v1/group-messages/${ids.group_message}`, body: { name: "x" } },
    patch_scheduled: { method: "PATCH", path: `/v1/scheduled-messages/${ids.scheduled}`, body: { name: "x" } },
    patch_contact: { method: "PATCH", path: `/v1/contacts/${ids.contact}`, body: { name: "y" } },
  });

  it("arbitrary JSON bodies on every write endpoint", async () => {
    const endpoints = Object.values(valid());
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints), jsonish, async (ep, body) => {
        await call(ep.method, ep.path, { raw: JSON.stringify(body) ?? "null" });
      }),
      { numRuns: 1500 },
    );
  });

  it("valid bodies with one field corrupted or one unknown field added", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(valid())),
        fc.nat(),
        jsonish,
        fc.boolean(),
        async (name, pick, value, addUnknown) => {
          const ep = valid()[name]!;
          const keys = Object.keys(ep.body);
          const body = { ...ep.body };
          if (addUnknown) body[`x_${pick % 1000}`] = value;
          else body[keys[pick % keys.length]!] = value;
          const res = await call(ep.method, ep.path, { body });
          if (res.status === 400 && res.body.code === "validation_error") expect(typeof res.body.field).toBe("string");
          if (addUnknown) expect(res.status).toBe(400);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("malformed JSON, wrong content types, oversized bodies", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/v1/messages", "/v1/contacts", "/v1/channels"),
        fc.string({ maxLength: 50 }).filter(notJson),
        async (path, junk) => {
          const res = await call("POST", path, { raw: `{${junk}` });
          expect(res.status).toBe(400);
          expect(res.body.code).toBe("malformed_json");
          const typed = await call("POST", path, { raw: junk || "x", contentType: "text/plain" });
          expect(typed.status).toBe(415);
        },
      ),
      { numRuns: 200 },
    );
    const big = await call("POST", "/v1/messages", {
      body: { channel_id: ids.channel, delivery_address: "1", message_body: "x".repeat(300 * 1024) },
    });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe("payload_too_large");
    const deep = await call("POST", "/v1/contacts", {
      raw: `{"name":"x","metadata":${'{"a":'.repeat(200)}1${"}".repeat(200)}}`,
    });
    expect(deep.status).toBe(400);
    const empty = await call("POST", "/v1/contacts", { raw: "" });
    expect(empty.status).toBe(400);
  });

  it("hostile filter and sort strings on every list endpoint stay data and stay in the account", async () => {
    const lists = [
      "/v1/messages",
      "/v1/channels",
      "/v1/templates",
      "/v1/group-messages",
      "/v1/scheduled-messages",
      "/v1/contacts",
      "/v1/contact-groups",
      "/v1/api-keys",
    ];
    const fields = fc.oneof(
      fc.constantFrom(
        "status",
        "message_body",
        "delivery_address",
        "name",
        "created_at",
        "priority",
        "id",
        "account_id",
        "group_id",
        "channel_id",
        "is_enabled",
      ),
      hostile,
    );
    const ops = fc.oneof(fc.constantFrom(...FILTER_OPS), hostile);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...lists),
        fields,
        ops,
        fc.option(hostile),
        fc.option(fc.tuple(fields, fc.constantFrom("asc", "desc", "", "sideways"))),
        async (path, field, op, value, sort) => {
          const filter = value === null ? `${field}:${op}` : `${field}:${op}:${value}`;
          const query: Record<string, string> = { filter };
          if (sort) query.sort = `${sort[0]}:${sort[1]}`;
          const res = await call("GET", path, { query });
          if (res.status === 200)
            for (const item of res.body.items as { account_id: string }[]) expect(item.account_id).toBe(a.id);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("junk ids, paths and query parameters", async () => {
    const resources = [
      "messages",
      "channels",
      "templates",
      "group-messages",
      "scheduled-messages",
      "contacts",
      "contact-groups",
      "api-keys",
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...resources),
        fc.oneof(
          hostile.filter((s) => s.length > 0),
          fc.uuid(),
        ),
        fc.constantFrom("GET", "PATCH", "DELETE"),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
        async (resource, id, method, query) => {
          const res = await call(method, `/v1/${resource}/${encodeURIComponent(id)}`, {
            query,
            body: method === "PATCH" ? { name: "x" } : undefined,
          });
          expect([400, 404, 405, 200, 204, 409]).toContain(res.status);
        },
      ),
      { numRuns: 600 },
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ maxLength: 10 }), hostile, { maxKeys: 4 }), async (query) => {
        await call("GET", "/v1/messages", { query });
      }),
      { numRuns: 300 },
    );
  });
});
