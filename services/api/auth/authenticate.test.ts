import { randomUUID } from "node:crypto";
import type { Request, Response } from "express";
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../core/errors.js";
import { createLogger } from "../../../core/logger.js";
import { apiConfigSchema, loadApiConfig } from "../config.js";
import type { Ctx } from "../context.js";
import { ApiKeyCache } from "./api-key-cache.js";
import { authenticate } from "./authenticate.js";
import type { Principal } from "./principal.js";

const ISSUER = "https://issuer.test/pool";
const AUDIENCE = "turumba-client";
const NOW = new Date("2026-03-10T12:00:00Z");

let privateKey: CryptoKey;
let jwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
});

function ctxWith(env: Record<string, string>): Ctx {
  return {
    config: apiConfigSchema.parse({
      AUTH_JWKS_URL: "https://issuer.test/jwks.json",
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
      ...env,
    }),
    clock: () => NOW,
    logger: createLogger("auth-test", { level: "silent" }),
    apiKeys: new ApiKeyCache(0),
  } as unknown as Ctx;
}

async function token(claims: Record<string, unknown>, opts: { exp?: boolean; aud?: string | null } = {}) {
  const iat = Math.floor(NOW.getTime() / 1000);
  let jwt = new SignJWT({ "cognito:groups": ["admin"], ...claims })
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuer(ISSUER)
    .setSubject("user-1")
    .setIssuedAt(iat);
  if (opts.aud !== null) jwt = jwt.setAudience(opts.aud ?? AUDIENCE);
  if (opts.exp !== false) jwt = jwt.setExpirationTime(iat + 3600);
  return jwt.sign(privateKey);
}

/** Runs the middleware once: the principal it set, or the error it threw. */
async function run(ctx: Ctx, headers: Record<string, string>): Promise<Principal | AppError> {
  const mw = authenticate(ctx, createLocalJWKSet({ keys: [jwk] }));
  const res = { locals: {} as Record<string, unknown>, setHeader: () => undefined } as unknown as Response;
  try {
    await mw({ headers } as unknown as Request, res, () => undefined);
    return res.locals.principal as Principal;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
}

describe("gateway x-account-ids", () => {
  it("narrows the token's accounts to those the gateway names", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const ctx = ctxWith({ TRUST_GATEWAY_HEADERS: "true" });
    const jwt = await token({ "custom:account_ids": `${a},${b}` });
    const p = await run(ctx, { authorization: `Bearer ${jwt}`, "x-account-ids": b });
    expect((p as Principal).accountIds).toEqual([b]);
  });

  it("never adds an account the token does not carry", async () => {
    const [mine, victim] = [randomUUID(), randomUUID()];
    const ctx = ctxWith({ TRUST_GATEWAY_HEADERS: "true" });
    const none = await run(ctx, { authorization: `Bearer ${await token({})}`, "x-account-ids": victim });
    expect(none).toBeInstanceOf(AppError);
    expect((none as AppError).status).toBe(403);
    const other = await run(ctx, {
      authorization: `Bearer ${await token({ "custom:account_ids": mine })}`,
      "x-account-ids": victim,
    });
    expect(other).toBeInstanceOf(AppError);
    expect((other as AppError).status).toBe(403);
    const mixed = await run(ctx, {
      authorization: `Bearer ${await token({ "custom:account_ids": mine })}`,
      "x-account-ids": `${victim},${mine}`,
    });
    expect((mixed as Principal).accountIds).toEqual([mine]);
  });
});

describe("JWKS tokens", () => {
  it("refuses a token without exp with 401", async () => {
    const jwt = await token({ "custom:account_ids": randomUUID() }, { exp: false });
    const r = await run(ctxWith({}), { authorization: `Bearer ${jwt}` });
    expect(r).toBeInstanceOf(AppError);
    expect((r as AppError).status).toBe(401);
  });

  it("refuses a token for another audience, or for none", async () => {
    for (const aud of ["another-client", null]) {
      const jwt = await token({ "custom:account_ids": randomUUID() }, { aud });
      const r = await run(ctxWith({}), { authorization: `Bearer ${jwt}` });
      expect((r as AppError).status).toBe(401);
    }
  });

  it("configuration with a JWKS but without issuer or audience does not load", () => {
    const base = { AUTH_JWKS_URL: "https://issuer.test/jwks.json" };
    expect(() => loadApiConfig({ ...base, AUTH_JWT_ISSUER: ISSUER })).toThrow(/AUTH_JWT_AUDIENCE/);
    expect(() => loadApiConfig({ ...base, AUTH_JWT_AUDIENCE: AUDIENCE })).toThrow(/AUTH_JWT_ISSUER/);
    expect(loadApiConfig({ ...base, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE }).AUTH_JWT_AUDIENCE).toBe(
      AUDIENCE,
    );
    expect(loadApiConfig({}).AUTH_JWKS_URL).toBeUndefined();
  });
});
