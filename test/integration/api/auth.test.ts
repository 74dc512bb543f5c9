import { randomUUID } from "node:crypto";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { account, ISSUER, makeChannel, startHarness, type Harness } from "./harness.js";

describe("authentication, roles and tenancy", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  const get = (headers: Record<string, string>) => h.call("GET", "/v1/channels", { headers });

  it("401 without credentials, with a WWW-Authenticate challenge", async () => {
    const res = await get({});
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: expect.any(String), code: "unauthorized" });
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await h.call("GET", "/v1/nowhere", {})).status).toBe(401);
  });

  it("401 for malformed, forged, expired, wrong-issuer and wrong-algorithm tokens", async () => {
    const accounts = [randomUUID()];
    expect((await get({ authorization: "Basic abc" })).body.code).toBe("invalid_token");
    expect((await get({ authorization: "Bearer not.a.jwt" })).body.code).toBe("invalid_token");
    const other = await generateKeyPair("RS256");
    const forged = await new SignJWT({ "cognito:groups": ["admin"], "custom:account_ids": accounts.join(",") })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setExpirationTime("1h")
      .sign(other.privateKey);
    expect((await get({ authorization: `Bearer ${forged}` })).body.code).toBe("invalid_token");
    const expired = await h.token({ accounts, expiresIn: -120 });
    expect((await get({ authorization: `Bearer ${expired}` })).body.code).toBe("token_expired");
    const hs = await new SignJWT({ "custom:account_ids": accounts.join(",") })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(ISSUER)
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode("x".repeat(32)));
    expect((await get({ authorization: `Bearer ${hs}` })).status).toBe(401);
    // Signed with the right key, but by another issuer.
    const wrongIssuer = await h.token({ accounts, issuer: "https://elsewhere.test" });
    expect((await get({ authorization: `Bearer ${wrongIssuer}` })).body.code).toBe("invalid_token");
    expect((await get({ authorization: `Bearer ${await h.token({ accounts })}` })).status).toBe(200);
    const idToken = await h.token({ accounts, extra: { token_use: "id" } });
    expect((await get({ authorization: `Bearer ${idToken}` })).status).toBe(401);
  });

  it("403 when the role lacks the permission or the token names no account", async () => {
    const acct = randomUUID();
    const user = await h.token({ accounts: [acct], groups: ["user"] });
    expect((await h.call("POST", "/v1/templates", { token: user, body: { name: "x", body: "y" } })).status).toBe(403);
    const nobody = await h.token({ accounts: [acct], groups: ["stranger"] });
    expect((await h.call("GET", "/v1/messages", { token: nobody })).status).toBe(403);
    const noAccount = await h.token({ accounts: [] });
    expect((await h.call("GET", "/v1/messages", { token: noAccount })).body.code).toBe("no_account");
  });

  it("GET /v1/me answers who the caller is: its accounts, roles and the permissions they grant", async () => {
    const acct = randomUUID();
    const manager = await h.token({ accounts: [acct], groups: ["manager"], sub: "user-7" });
    const me = await h.call("GET", "/v1/me", { token: manager });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      kind: "user",
      subject: "user-7",
      account_ids: [acct],
      roles: ["manager"],
      permissions: ["read", "send", "manage"],
    });
    expect((await h.call("GET", "/v1/me", {})).status).toBe(401);
  });

  it("a caller with several accounts names the account on create and sees both on read", async () => {
    const [x, y] = [randomUUID(), randomUUID()];
    const both = await h.token({ accounts: [x, y] });
    const missing = await h.call("POST", "/v1/contacts", { token: both, body: { name: "n" } });
    expect(missing.body).toMatchObject({ code: "account_required", field: "account_id" });
    expect(
      (await h.call("POST", "/v1/contacts", { token: both, body: { name: "in x", account_id: x } })).body.account_id,
    ).toBe(x);
    expect((await h.call("POST", "/v1/contacts", { token: both, body: { name: "in y", account_id: y } })).status).toBe(
      201,
    );
    expect(
      (await h.call("POST", "/v1/contacts", { token: both, body: { name: "elsewhere", account_id: randomUUID() } }))
        .status,
    ).toBe(403);
    expect((await h.call("GET", "/v1/contacts", { token: both })).body.total).toBe(2);
    expect(
      (await h.call("GET", "/v1/contacts", { token: both, query: { filter: `account_id:eq:${x}` } })).body.total,
    ).toBe(1);
  });

  it("API keys: created once, scoped to their account and role, revocable", async () => {
    const a = await account(h);
    const created = await h.call("POST", "/v1/api-keys", { token: a.token, body: { name: "backend", role: "user" } });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^tmk_[0-9a-f]{16}_/);
    const listed = await h.call("GET", "/v1/api-keys", { token: a.token });
    expect(listed.text).not.toContain(key);
    expect(listed.body.items[0]).toMatchObject({ name: "backend", role: "user", prefix: key.slice(0, 20) });
    const ch = await makeChannel(h, a.token);
    const sent = await h.call("POST", "/v1/messages", {
      apiKey: key,
      body: { channel_id: ch.id, delivery_address: "9", message_body: "via key" },
    });
    expect(sent.status).toBe(201);
    expect(sent.body.account_id).toBe(a.id);
    expect((await h.call("GET", "/v1/me", { apiKey: key })).body).toEqual({
      kind: "api_key",
      subject: created.body.id,
      account_ids: [a.id],
      roles: ["user"],
      permissions: ["read", "send"],
    });
    // The key's role is user: it cannot manage channels.
    expect((await h.call("POST", "/v1/channels", { apiKey: key, body: {} })).status).toBe(403);
    expect((await h.call("GET", "/v1/messages", { apiKey: `${key}x` })).body.code).toBe("invalid_api_key");
    expect((await h.call("GET", "/v1/messages", { apiKey: "tmk_0000000000000000_" + "A".repeat(43) })).status).toBe(
      401,
    );
    const other = await account(h);
    expect((await h.call("DELETE", `/v1/api-keys/${created.body.id}`, { token: other.token })).status).toBe(404);
    expect((await h.call("DELETE", `/v1/api-keys/${created.body.id}`, { token: a.token })).status).toBe(204);
    expect((await h.call("GET", "/v1/messages", { apiKey: key })).status).toBe(401);
  });

  it("refuses an empty Authorization header beside a valid API key instead of ignoring it", async () => {
    const a = await account(h);
    const key = (await h.call("POST", "/v1/api-keys", { token: a.token, body: { name: "k" } })).body.key as string;
    expect((await h.call("GET", "/v1/messages", { apiKey: key })).status).toBe(200);
    const res = await h.call("GET", "/v1/messages", { apiKey: key, headers: { authorization: "" } });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe("invalid_token");
  });

  describe("gateway x-account-ids", () => {
    it("is ignored unless enabled", async () => {
      const mine = randomUUID();
      const victim = await account(h);
      await h.call("POST", "/v1/contacts", { token: victim.token, body: { name: "victim's" } });
      const token = await h.token({ accounts: [mine] });
      const res = await h.call("GET", "/v1/contacts", { token, headers: { "x-account-ids": victim.id } });
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(0);
    });

    it("narrows a verified user's accounts when enabled, and never authenticates by itself", async () => {
      const replica = await h.replica({ TRUST_GATEWAY_HEADERS: "true" });
      try {
        const a = await account(h);
        await h.call("POST", "/v1/contacts", { token: a.token, body: { name: "gateway" } });
        const other = await account(h);
        await h.call("POST", "/v1/contacts", { token: other.token, body: { name: "other" } });
        const token = await h.token({ accounts: [a.id, other.id] });
        const viaGateway = await fetch(`${replica.url}/v1/contacts`, {
          headers: { authorization: `Bearer ${token}`, "x-account-ids": a.id },
        });
        expect(viaGateway.status).toBe(200);
        expect(((await viaGateway.json()) as { total: number }).total).toBe(1);
        // The header never adds an account the token lacks.
        const empty = await h.token({ accounts: [] });
        const gained = await fetch(`${replica.url}/v1/contacts`, {
          headers: { authorization: `Bearer ${empty}`, "x-account-ids": a.id },
        });
        expect(gained.status).toBe(403);
        const headerOnly = await fetch(`${replica.url}/v1/contacts`, { headers: { "x-account-ids": a.id } });
        expect(headerOnly.status).toBe(401);
        const bad = await fetch(`${replica.url}/v1/contacts`, {
          headers: { authorization: `Bearer ${token}`, "x-account-ids": "not-a-uuid" },
        });
        expect(bad.status).toBe(400);
      } finally {
        await replica.close();
      }
    });
  });
});
