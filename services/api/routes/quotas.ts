/**
 * Quota routes (admin role): an account's daily and monthly quotas per channel type and what it
 * has used so far. POST /v1/messages and queueing a campaign reserve against them when accepted.
 */

import { notFound } from "../../../core/errors.js";
import { deleteChannelQuota, listChannelQuotas, putChannelQuota } from "../../../db/accounts/channel-quotas.js";
import { accountFor } from "../auth/principal.js";
import { defineRoute, type AnyRoute } from "../http/route.js";
import { errorResponses, notFoundResponse } from "../schemas/common.js";
import { quotaAccountQuery, quotaJson, quotaListOut, quotaOut, quotaParams, quotaUpdate } from "../schemas/quotas.js";

const tag = "quotas";

export const quotaRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/quotas",
    operationId: "listQuotas",
    summary: "The account's quotas per channel type, with usage in the current UTC day and month",
    tag,
    permission: "admin",
    query: quotaAccountQuery,
    responses: { 200: { description: "Quotas", schema: quotaListOut }, ...errorResponses },
    async handler({ query, principal, ctx, now }) {
      const quotas = await listChannelQuotas(ctx.db.orm, accountFor(principal, query.account_id), now);
      return { status: 200, body: { items: quotas.map(quotaJson) } };
    },
  }),
  defineRoute({
    method: "patch",
    path: "/v1/quotas/:channel_type",
    operationId: "setQuota",
    summary: "Set a channel type's daily and/or monthly quota (created on first use, counting this period's sends)",
    tag,
    permission: "admin",
    params: quotaParams,
    query: quotaAccountQuery,
    body: quotaUpdate,
    responses: { 200: { description: "The quota", schema: quotaOut }, ...errorResponses },
    async handler({ params, query, body, principal, ctx, now }) {
      const accountId = accountFor(principal, query.account_id);
      const current = (await listChannelQuotas(ctx.db.orm, accountId, now)).find(
        (q) => q.channelType === params.channel_type,
      );
      const q = await putChannelQuota(
        ctx.db.orm,
        accountId,
        params.channel_type,
        {
          dailyLimit: body.daily_limit !== undefined ? body.daily_limit : (current?.dailyLimit ?? null),
          monthlyLimit: body.monthly_limit !== undefined ? body.monthly_limit : (current?.monthlyLimit ?? null),
        },
        now,
      );
      return { status: 200, body: quotaJson(q) };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/v1/quotas/:channel_type",
    operationId: "deleteQuota",
    summary: "Remove a channel type's quota (its sends are no longer limited or counted)",
    tag,
    permission: "admin",
    params: quotaParams,
    query: quotaAccountQuery,
    responses: { 204: { description: "Removed" }, ...errorResponses, ...notFoundResponse },
    async handler({ params, query, principal, ctx }) {
      if (!(await deleteChannelQuota(ctx.db.orm, accountFor(principal, query.account_id), params.channel_type)))
        throw notFound("no quota on this channel type");
      return { status: 204 };
    },
  }),
];
