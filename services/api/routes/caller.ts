/**
 * Who the caller is, as the API sees them: the kind of credential, the accounts, the roles and the
 * permissions those roles grant. A client (the console) reads it to show only what the caller may
 * do, instead of finding out from a 403 page by page; the API still checks every request.
 */

import { z } from "zod";
import { PERMISSIONS, permissionsOf, ROLES } from "../auth/principal.js";
import { defineRoute, type AnyRoute } from "../http/route.js";
import { errorResponses } from "../schemas/common.js";

export const callerOut = z
  .object({
    kind: z.enum(["user", "api_key"]).describe("A signed-in user (JWT) or an API key"),
    subject: z.string().describe("The user's subject or the API key's id"),
    account_ids: z.array(z.string()),
    roles: z.array(z.enum(ROLES)),
    permissions: z.array(z.enum(PERMISSIONS)).describe("What the roles grant: read ⊂ send ⊂ manage ⊂ admin"),
  })
  .meta({ id: "Caller" });

export const callerRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/me",
    operationId: "getCaller",
    summary: "The caller's accounts, roles and the permissions they grant",
    tag: "auth",
    permission: "read",
    responses: { 200: { description: "The caller", schema: callerOut }, ...errorResponses },
    async handler({ principal }) {
      return {
        status: 200,
        body: {
          kind: principal.kind,
          subject: principal.subject,
          account_ids: principal.accountIds,
          roles: principal.roles,
          permissions: permissionsOf(principal),
        },
        headers: { "Cache-Control": "no-store" },
      };
    },
  }),
];
