/**
 * Authentication: a Bearer JWT verified against the configured JWKS
 * (RS256 only; issuer, audience and expiry required), or a per-account API key in X-API-Key.
 * A gateway's x-account-ids header is honoured only when TRUST_GATEWAY_HEADERS is on, and only
 * on top of a valid token: the header narrows which of the token's accounts a verified user acts
 * for (the intersection), it never adds one and never authenticates by itself. Anyone who can
 * reach the API port directly can send the header, so it must not be worth more than the token.
 */

import type { RequestHandler } from "express";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { AppError, badRequest, forbidden } from "../../../core/errors.js";
import { isUuid } from "../../../db/query/filters.js";
import { findApiKey } from "../../../db/accounts/api-keys.js";
import type { Ctx } from "../context.js";
import { ROLES, type Principal, type Role } from "./principal.js";

const unauthorized = (code: string, detail: string) => new AppError(401, code, detail);

function accountsFromClaim(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === "string" ? value.split(",") : [];
  return list.map((v) => String(v).trim().toLowerCase()).filter((v) => isUuid(v));
}

function rolesFrom(payload: JWTPayload): Role[] {
  const groups = payload["cognito:groups"];
  return Array.isArray(groups) ? ROLES.filter((r) => groups.includes(r)) : [];
}

export function authenticate(ctx: Ctx, jwks?: JWTVerifyGetKey): RequestHandler {
  const cfg = ctx.config;
  const keys =
    jwks ??
    (cfg.AUTH_JWKS_URL
      ? createRemoteJWKSet(new URL(cfg.AUTH_JWKS_URL), { timeoutDuration: 5_000, cooldownDuration: 30_000 })
      : undefined);

  const audience = cfg.AUTH_JWT_AUDIENCE ?? "";
  if (keys && (!cfg.AUTH_JWT_ISSUER || !cfg.AUTH_JWT_AUDIENCE))
    throw new Error("Bearer tokens need AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE beside the key set");

  async function fromJwt(token: string): Promise<Principal> {
    if (!keys) throw unauthorized("invalid_token", "Bearer tokens are not accepted by this deployment");
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ["RS256"],
        issuer: cfg.AUTH_JWT_ISSUER,
        // A token that never expires stays valid forever once leaked.
        requiredClaims: ["exp"],
        currentDate: ctx.clock(),
        clockTolerance: 30,
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw unauthorized("token_expired", "the token has expired");
      if (err instanceof joseErrors.JWKSTimeout || (err instanceof TypeError && /fetch/i.test(err.message))) {
        throw new AppError(503, "auth_unavailable", "the identity provider's key set could not be fetched");
      }
      throw unauthorized("invalid_token", "the token is not valid");
    }
    if (payload.token_use !== undefined && payload.token_use !== "access")
      throw unauthorized("invalid_token", "an access token is required");
    // Tokens the same identity pool issued to other clients must not work here.
    const aud = Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : [];
    if (!aud.includes(audience) && payload.client_id !== audience) {
      throw unauthorized("invalid_token", "the token was issued for another audience");
    }
    return {
      kind: "user",
      subject: String(payload.sub ?? ""),
      accountIds: accountsFromClaim(payload[cfg.AUTH_ACCOUNT_CLAIM]),
      roles: rolesFrom(payload),
    };
  }

  return async (req, res, next) => {
    const authz = req.headers.authorization;
    const apiKey = req.headers["x-api-key"];
    let principal: Principal;
    // A present Authorization header is a claim to be checked, even when it is empty: an empty one
    // beside an API key must not pass as "no token".
    if (typeof authz === "string") {
      const m = /^Bearer\s+(\S+)$/i.exec(authz);
      if (!m) throw unauthorized("invalid_token", "use Authorization: Bearer <token>");
      principal = await fromJwt(m[1]!);
      const gateway = req.headers["x-account-ids"];
      if (cfg.TRUST_GATEWAY_HEADERS && typeof gateway === "string") {
        const ids = gateway
          .split(",")
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean);
        if (ids.length === 0 || !ids.every(isUuid))
          throw badRequest("invalid_header", "x-account-ids must be comma-separated UUIDs", { field: "x-account-ids" });
        const granted = new Set(principal.accountIds);
        principal.accountIds = ids.filter((id) => granted.has(id));
      }
    } else if (typeof apiKey === "string" && apiKey.length > 0) {
      const now = ctx.clock();
      let row = ctx.apiKeys.get(apiKey, now);
      if (!row) {
        row = await findApiKey(ctx.db.orm, apiKey, now);
        if (!row) throw unauthorized("invalid_api_key", "the API key is not valid");
        ctx.apiKeys.set(apiKey, row, now);
      }
      principal = { kind: "api_key", subject: row.id, accountIds: [row.accountId], roles: [row.role as Role] };
    } else {
      res.setHeader("WWW-Authenticate", 'Bearer realm="turumba"');
      throw unauthorized("unauthorized", "authentication required: send a Bearer token or an X-API-Key");
    }
    principal.accountIds = [...new Set(principal.accountIds)];
    if (principal.accountIds.length === 0) throw forbidden("the token names no account", "no_account");
    res.locals.principal = principal;
    next();
  };
}
