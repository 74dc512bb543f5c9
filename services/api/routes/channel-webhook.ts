/**
 * A channel's webhook: the address its provider calls (/webhooks/{channel_type}/{channel_id} under
 * the public URL providers see, WEBHOOK_PUBLIC_URL, or this request's own origin without it),
 * whether the platform registers it by itself, and the provider's setup steps with the address
 * filled in, ready to copy into the provider's console.
 */

import { z } from "zod";
import { notFound } from "../../../core/errors.js";
import type { ChannelType } from "../../../core/messages/vocabulary.js";
import { getScoped } from "../../../db/query/crud.js";
import { channels } from "../../../db/schema.js";
import { webhookSetup } from "../../webhooks/registration.js";
import { defineRoute, idParams, type AnyRoute } from "../http/route.js";
import { errorResponses, notFoundResponse } from "../schemas/common.js";

export const channelWebhookOut = z
  .object({
    url: z.string().describe("Where the provider sends receipts and inbound messages"),
    registration: z
      .enum(["automatic", "manual", "none"])
      .describe(
        "automatic: registered with the provider for you; manual: paste it into the provider's console; none: the provider sends no webhooks",
      ),
    steps: z.array(z.string()).describe("What to do at the provider, in order"),
  })
  .meta({ id: "ChannelWebhook" });

export const channelWebhookRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/channels/:id/webhook",
    operationId: "getChannelWebhook",
    summary: "A channel's webhook URL and the provider's setup steps",
    tag: "channels",
    permission: "read",
    params: idParams,
    responses: {
      200: { description: "The webhook URL and setup steps", schema: channelWebhookOut },
      ...errorResponses,
      ...notFoundResponse,
    },
    async handler({ params, principal, ctx, req }) {
      const row = await getScoped(ctx.db.orm, channels, principal, params.id);
      if (!row) throw notFound("channel not found");
      const base = ctx.webhookPublicUrl ?? `${req.protocol}://${req.get("host") ?? "localhost"}`;
      const setup = webhookSetup(base, {
        id: row.id,
        channelType: row.channelType as ChannelType,
        provider: row.provider,
      });
      return { status: 200, body: setup };
    },
  }),
];
