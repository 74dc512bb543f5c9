/**
 * Group message (campaign) routes: create, list, get, pause/resume/cancel through a status change, and
 * the progress stream (SSE). Status changes reach the campaign's queued messages in the same request.
 */

import { campaignCompletedCallback } from "../../../core/callbacks/campaign-callbacks.js";
import { AppError, conflict, notFound } from "../../../core/errors.js";
import { listResource } from "../../../db/query/list.js";
import { groupMessagesResource } from "../resources.js";
import { countGroupRecipients } from "../../../db/contacts/repository.js";
import { deleteScoped, getScoped } from "../../../db/query/crud.js";
import {
  createGroupMessage,
  transitionGroupMessage,
  updateGroupMessage,
  type GroupMessagePatch,
} from "../../../db/campaigns/repository.js";
import { groupMessages, type GroupMessageRow } from "../../../db/schema.js";
import { inArray } from "drizzle-orm";
import { accountFor } from "../auth/principal.js";
import { idempotent } from "../http/idempotency.js";
import { listQuery, pageBody, pageSchema, toListQuery } from "../http/list.js";
import { defineRoute, idParams, type AnyRoute } from "../http/route.js";
import { groupMessageEvent, stagedCallbacksCommitted } from "../publish.js";
import { conflictResponse, errorResponses, errorSchema, notFoundResponse } from "../schemas/common.js";
import {
  groupMessageCreate,
  groupMessageJson,
  groupMessageOut,
  groupMessageUpdate,
} from "../schemas/group-messages.js";
import { checkedPatchedOptions } from "./patched-options.js";
import { assertChannelAccepts, channelRef, groupRefs, templateRef } from "./references.js";
import { reserveQuotaOrRefuse } from "./quota-guard.js";
import { assertPatchedSendFits, assertSendFits, channelOptionsFor, templateSource } from "./send-content.js";
import { checkAttachments } from "../media/attachments.js";
import type { ChannelType } from "../../../core/messages/vocabulary.js";
import {
  cancelCampaignMessages,
  pauseCampaignMessages,
  resumeCampaignMessages,
} from "../../../db/campaigns/control.js";
import { streamProgress } from "../../http/sse.js";

const FINAL = ["completed", "partially_failed", "failed", "cancelled"];

const tag = "group-messages";
const DELETABLE = ["draft", "cancelled", "completed", "partially_failed", "failed"];

export const groupMessageRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/group-messages",
    operationId: "listGroupMessages",
    summary: "List group messages",
    tag,
    permission: "read",
    query: listQuery(groupMessagesResource),
    responses: {
      200: { description: "A page of group messages", schema: pageSchema(groupMessageOut) },
      ...errorResponses,
    },
    async handler({ query, principal, ctx }) {
      const q = toListQuery(query, groupMessagesResource, ctx.config);
      return {
        status: 200,
        body: pageBody(
          await listResource(ctx.db.orm, groupMessagesResource, principal, q, ctx.config.API_COUNT_CAP),
          q,
          groupMessageJson,
        ),
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/group-messages",
    operationId: "createGroupMessage",
    summary: "Create a group message (draft, or queued to fan out at once)",
    tag,
    permission: "manage",
    body: groupMessageCreate,
    idempotent: true,
    responses: {
      201: {
        description: "Created (or the original response for a repeated Idempotency-Key)",
        schema: groupMessageOut,
      },
      ...errorResponses,
      ...conflictResponse,
      429: {
        description:
          "Rate limit exceeded, or (code quota_exceeded) queueing it would pass the channel type's daily or monthly quota; resets_at and Retry-After say when it resets",
        schema: errorSchema,
      },
    },
    async handler({ body, principal, ctx, now, req, res, traceparent }) {
      const accountId = accountFor(principal, body.account_id);
      let created: GroupMessageRow | undefined;
      const { reply, fresh } = await idempotent(ctx, req, accountId, "POST /v1/group-messages", now, async (tx) => {
        const channel = await channelRef(tx, accountId, body.channel_id);
        const channelOptions = channelOptionsFor(
          channel.channelType as ChannelType,
          body.channel_options,
          body.metadata,
        );
        await checkAttachments(tx, accountId, channel, channelOptions.attachments, ctx.outbound, now);
        const status = body.status ?? "draft";
        if (status === "queued") assertChannelAccepts(channel);
        const template = body.template_id ? await templateRef(tx, accountId, body.template_id) : undefined;
        assertSendFits(
          channel.channelType as ChannelType,
          template ? templateSource(template) : { body: body.message_body ?? "", fallbackStrategy: "keep" },
          body.custom_values,
          channelOptions,
        );
        await groupRefs(tx, accountId, body.contact_group_ids);
        const totalRecipients = await countGroupRecipients(tx, body.contact_group_ids);
        if (status === "queued")
          await reserveQuotaOrRefuse(tx, res, accountId, channel.channelType as ChannelType, totalRecipients, now);
        created = await createGroupMessage(
          tx,
          {
            accountId,
            name: body.name,
            channelId: channel.id,
            templateId: body.template_id ?? null,
            messageBody: body.message_body ?? null,
            status,
            contactGroupIds: body.contact_group_ids,
            totalRecipients,
            customValues: body.custom_values,
            metadata: body.metadata,
            channelOptions,
          },
          now,
        );
        return { status: 201, body: groupMessageJson(created) };
      });
      if (fresh && created) {
        await groupMessageEvent(ctx, "group_message.created", created, now, traceparent);
        if (created.status === "queued")
          await groupMessageEvent(ctx, "group_message.queued", created, now, traceparent);
      }
      return {
        ...reply,
        headers: { ...reply.headers, Location: `/v1/group-messages/${(reply.body as { id: string }).id}` },
      };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/group-messages/:id",
    operationId: "getGroupMessage",
    summary: "Get a group message and its progress counters",
    tag,
    permission: "read",
    params: idParams,
    responses: {
      200: { description: "The group message", schema: groupMessageOut },
      ...errorResponses,
      ...notFoundResponse,
    },
    async handler({ params, principal, ctx }) {
      const row = await getScoped(ctx.db.orm, groupMessages, principal, params.id);
      if (!row) throw notFound("group message not found");
      return { status: 200, body: groupMessageJson(row) };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/group-messages/:id/events",
    operationId: "streamGroupMessageProgress",
    summary: "Server-sent events: the group message (with its counters) whenever it changes, until it finishes",
    tag,
    permission: "read",
    params: idParams,
    responses: {
      200: { description: "text/event-stream of `progress` events (data: the group message), then one `end` event" },
      ...errorResponses,
      ...notFoundResponse,
    },
    async handler({ params, principal, ctx, req, res }) {
      const row = await getScoped(ctx.db.orm, groupMessages, principal, params.id);
      if (!row) throw notFound("group message not found");
      const release = ctx.streams.acquire(row.accountId);
      if (!release) {
        res.setHeader("Retry-After", "30");
        throw new AppError(
          429,
          "too_many_streams",
          `an account may hold at most ${ctx.config.API_SSE_MAX_STREAMS_PER_ACCOUNT} progress streams at once; close one first`,
        );
      }
      try {
        await streamProgress({
          req,
          res,
          load: () => getScoped(ctx.db.orm, groupMessages, principal, params.id),
          serialize: groupMessageJson,
          isFinal: (r) => FINAL.includes(r.status) && r.queuedCount === 0,
          maxLifetimeMs: ctx.config.API_SSE_MAX_LIFETIME_SECONDS * 1000,
        });
      } finally {
        release();
      }
      return { status: 200 };
    },
  }),
  defineRoute({
    method: "patch",
    path: "/v1/group-messages/:id",
    operationId: "updateGroupMessage",
    summary: "Edit a draft, queue it, or cancel it (from draft, queued or processing)",
    tag,
    permission: "manage",
    params: idParams,
    body: groupMessageUpdate,
    responses: {
      200: { description: "Updated", schema: groupMessageOut },
      ...errorResponses,
      ...notFoundResponse,
      ...conflictResponse,
      429: {
        description:
          "Rate limit exceeded, or (code quota_exceeded) queueing it would pass the channel type's daily or monthly quota; resets_at and Retry-After say when it resets",
        schema: errorSchema,
      },
    },
    async handler({ params, body, principal, ctx, now, res, traceparent }) {
      const current = await getScoped(ctx.db.orm, groupMessages, principal, params.id);
      if (!current) throw notFound("group message not found");
      const { status, ...content } = body;
      let row: GroupMessageRow | undefined = current;
      if (Object.keys(content).length > 0) {
        const patch: GroupMessagePatch = {
          name: content.name,
          customValues: content.custom_values,
          metadata: content.metadata,
        };
        if (content.channel_options !== undefined || content.metadata !== undefined) {
          patch.channelOptions = await checkedPatchedOptions(ctx.db.orm, current, content, ctx.outbound, now);
        }
        if (content.template_id) {
          await templateRef(ctx.db.orm, current.accountId, content.template_id);
          Object.assign(patch, { templateId: content.template_id, messageBody: null });
        }
        if (content.message_body) Object.assign(patch, { messageBody: content.message_body, templateId: null });
        if (content.contact_group_ids) {
          await groupRefs(ctx.db.orm, current.accountId, content.contact_group_ids);
          Object.assign(patch, {
            contactGroupIds: content.contact_group_ids,
            totalRecipients: await countGroupRecipients(ctx.db.orm, content.contact_group_ids),
          });
        }
        await assertPatchedSendFits(ctx.db.orm, current, patch);
        row = await updateGroupMessage(ctx.db, principal, params.id, patch, now);
      }
      if (status !== undefined && row && status !== row.status) {
        if (status === "queued") {
          const channel = await channelRef(ctx.db.orm, current.accountId, current.channelId);
          assertChannelAccepts(channel);
          // Queueing a draft accepts its recipients; resuming a paused campaign accepted them already.
          if (row.status === "draft")
            await reserveQuotaOrRefuse(
              ctx.db.orm,
              res,
              current.accountId,
              channel.channelType as ChannelType,
              row.totalRecipients,
              now,
            );
        }
        const moved = await transitionGroupMessage(ctx.db, principal, params.id, status, now);
        row = moved?.row;
        // The campaign's queued messages follow its status (db/campaigns/control.ts); the
        // cancelled count is in the response's cancelled_count.
        if (row && status === "cancelled") {
          const { callbacks } = await cancelCampaignMessages(ctx.db, row.id, (c) => [campaignCompletedCallback(c)]);
          if (callbacks.length > 0) await stagedCallbacksCommitted(ctx, callbacks);
        }
        if (row && status === "paused") await pauseCampaignMessages(ctx.db, row.id);
        if (row && status === "queued" && moved?.from === "paused") await resumeCampaignMessages(ctx.db, row.id);
        if (row && status !== "paused")
          await groupMessageEvent(
            ctx,
            status === "queued" ? "group_message.queued" : "group_message.cancelled",
            row,
            now,
            traceparent,
          );
        if (row && status !== "queued") row = (await getScoped(ctx.db.orm, groupMessages, principal, params.id)) ?? row;
      }
      if (!row) throw notFound("group message not found");
      return { status: 200, body: groupMessageJson(row) };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/v1/group-messages/:id",
    operationId: "deleteGroupMessage",
    summary: "Delete a group message that is not queued or processing and has no messages",
    tag,
    permission: "manage",
    params: idParams,
    responses: { 204: { description: "Deleted" }, ...errorResponses, ...notFoundResponse, ...conflictResponse },
    async handler({ params, principal, ctx }) {
      const current = await getScoped(ctx.db.orm, groupMessages, principal, params.id);
      if (!current) throw notFound("group message not found");
      if (!DELETABLE.includes(current.status))
        throw conflict("invalid_state", `a ${current.status} group message cannot be deleted; cancel it first`);
      if (
        !(await deleteScoped(ctx.db.orm, groupMessages, principal, params.id, inArray(groupMessages.status, DELETABLE)))
      ) {
        throw conflict("invalid_state", "the group message changed state; try again");
      }
      return { status: 204 };
    },
  }),
];
