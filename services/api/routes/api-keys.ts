/**
 * API key routes: an admin creates keys for an account (the secret is shown once), lists and revokes
 * them.
 */

import { z } from "zod";
import { notFound } from "../../../core/errors.js";
import { listResource } from "../../../db/query/list.js";
import { apiKeysResource } from "../resources.js";
import { createApiKey, revokeApiKey } from "../../../db/accounts/api-keys.js";
import type { ApiKeyRow } from "../../../db/schema.js";
import { accountFor, ROLES } from "../auth/principal.js";
import { listQuery, pageBody, pageSchema, toListQuery } from "../http/list.js";
import { defineRoute, idParams, type AnyRoute } from "../http/route.js";
import {
  accountId,
  errorResponses,
  iso,
  isoOrNull,
  name,
  notFoundResponse,
  tsOut,
  tsOutNullable,
} from "../schemas/common.js";

const keyCreate = z
  .strictObject({
    account_id: accountId,
    name,
    role: z.enum(ROLES).optional().describe("Role the key acts with; default manager"),
  })
  .meta({ examples: [{ name: "backend", role: "user" }] });

const keyOut = z
  .object({
    id: z.uuid(),
    account_id: z.uuid(),
    name: z.string(),
    prefix: z.string().describe("Identifies the key in lists; the secret part is never shown again"),
    role: z.enum(ROLES),
    created_at: tsOut,
    last_used_at: tsOutNullable,
    revoked_at: tsOutNullable,
  })
  .meta({ id: "ApiKey" });
const keyCreated = keyOut.extend({
  key: z.string().describe("The key itself, shown only in this response. Send it as X-API-Key."),
});

function keyJson(r: ApiKeyRow): z.infer<typeof keyOut> {
  return {
    id: r.id,
    account_id: r.accountId,
    name: r.name,
    prefix: `tmk_${r.prefix}`,
    role: r.role as z.infer<typeof keyOut>["role"],
    created_at: iso(r.createdAt),
    last_used_at: isoOrNull(r.lastUsedAt),
    revoked_at: isoOrNull(r.revokedAt),
  };
}

const tag = "api-keys";

export const apiKeyRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/api-keys",
    operationId: "listApiKeys",
    summary: "List the account's API keys (never their secrets)",
    tag,
    permission: "admin",
    query: listQuery(apiKeysResource),
    responses: { 200: { description: "A page of keys", schema: pageSchema(keyOut) }, ...errorResponses },
    async handler({ query, principal, ctx }) {
      const q = toListQuery(query, apiKeysResource, ctx.config);
      return {
        status: 200,
        body: pageBody(
          await listResource(ctx.db.orm, apiKeysResource, principal, q, ctx.config.API_COUNT_CAP),
          q,
          keyJson,
        ),
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/api-keys",
    operationId: "createApiKey",
    summary: "Create an API key for server-to-server clients",
    tag,
    permission: "admin",
    body: keyCreate,
    responses: {
      201: { description: "Created; the key is in this response only", schema: keyCreated },
      ...errorResponses,
    },
    async handler({ body, principal, ctx, now }) {
      const { row, key } = await createApiKey(
        ctx.db.orm,
        accountFor(principal, body.account_id),
        body.name,
        body.role ?? "manager",
        now,
      );
      return { status: 201, body: { ...keyJson(row), key }, headers: { "Cache-Control": "no-store" } };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/v1/api-keys/:id",
    operationId: "revokeApiKey",
    summary: "Revoke an API key",
    tag,
    permission: "admin",
    params: idParams,
    responses: { 204: { description: "Revoked" }, ...errorResponses, ...notFoundResponse },
    async handler({ params, principal, ctx, now }) {
      if (!(await revokeApiKey(ctx.db.orm, principal, params.id, now))) throw notFound("API key not found");
      ctx.apiKeys.forget(params.id);
      return { status: 204 };
    },
  }),
];
