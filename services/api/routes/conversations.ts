/**
 * Conversation routes: the inbox (list with the filter grammar), one conversation with its
 * participants, unread count and WhatsApp care window, its messages in both directions oldest
 * first, a reply on its channel to its participant, status and assignee changes, and the read
 * marker. Changes are published as conversation.updated and sent to the tenant's callback endpoints
 * (conversation-changes.ts).
 */

import { notFound } from "../../../core/errors.js";
import { getScoped, updateScoped } from "../../../db/query/crud.js";
import { listResource } from "../../../db/query/list.js";
import { markConversationRead } from "../../../db/conversations/threads.js";
import { conversations } from "../../../db/schema.js";
import { listQuery, pageBody, pageSchema, toListQuery } from "../http/list.js";
import { defineRoute, idParams, type AnyRoute } from "../http/route.js";
import { changeConversation } from "../conversation-changes.js";
import { conversationsResource, messagesResource } from "../resources.js";
import { conflictResponse, errorResponses, errorSchema, notFoundResponse } from "../schemas/common.js";
import {
  conversationJson,
  conversationOut,
  conversationReadOut,
  conversationReply,
  conversationUpdate,
} from "../schemas/conversations.js";
import { readReceiptFor } from "./read-receipt.js";
import { messageJson, messageOut } from "../schemas/messages.js";
import { acceptMessage } from "./messages.js";

const tag = "conversations";

export const conversationRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/conversations",
    operationId: "listConversations",
    summary: "List conversations (latest activity first; filter channel, contact, status, assignee, unread …)",
    tag,
    permission: "read",
    query: listQuery(conversationsResource),
    responses: {
      200: { description: "A page of conversations", schema: pageSchema(conversationOut) },
      ...errorResponses,
    },
    async handler({ query, principal, ctx, now }) {
      const q = toListQuery(query, conversationsResource, ctx.config);
      return {
        status: 200,
        body: pageBody(
          await listResource(ctx.db.orm, conversationsResource, principal, q, ctx.config.API_COUNT_CAP),
          q,
          (r) => conversationJson(r, now),
        ),
      };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/conversations/:id",
    operationId: "getConversation",
    summary: "Get a conversation: participants, status, assignee, unread count, WhatsApp care window",
    tag,
    permission: "read",
    params: idParams,
    responses: {
      200: { description: "The conversation", schema: conversationOut },
      ...errorResponses,
      ...notFoundResponse,
    },
    async handler({ params, principal, ctx, now }) {
      const row = await getScoped(ctx.db.orm, conversations, principal, params.id);
      if (!row) throw notFound("conversation not found");
      return { status: 200, body: conversationJson(row, now) };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/conversations/:id/messages",
    operationId: "listConversationMessages",
    summary: "A conversation's messages, both directions, oldest first unless sorted otherwise",
    tag,
    permission: "read",
    params: idParams,
    query: listQuery(messagesResource),
    responses: {
      200: { description: "A page of messages", schema: pageSchema(messageOut) },
      ...errorResponses,
      ...notFoundResponse,
    },
    async handler({ params, query, principal, ctx }) {
      const row = await getScoped(ctx.db.orm, conversations, principal, params.id);
      if (!row) throw notFound("conversation not found");
      const q = toListQuery(query, messagesResource, ctx.config);
      const scoped = {
        ...q,
        filters: [...q.filters, { field: "conversation_id", op: "eq" as const, value: row.id }],
        sort: q.sort.length > 0 ? q.sort : [{ field: "created_at", dir: "asc" as const }],
      };
      return {
        status: 200,
        body: pageBody(
          await listResource(
            ctx.db.orm,
            messagesResource,
            { accountIds: [row.accountId] },
            scoped,
            ctx.config.API_COUNT_CAP,
          ),
          scoped,
          messageJson,
        ),
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/conversations/:id/messages",
    operationId: "replyInConversation",
    summary: "Reply in a conversation: on its channel, to its participant (text or template); reopens a closed one",
    tag,
    permission: "send",
    params: idParams,
    body: conversationReply,
    idempotent: true,
    responses: {
      201: { description: "Created (or, with a repeated Idempotency-Key, the original response)", schema: messageOut },
      ...errorResponses,
      ...notFoundResponse,
      ...conflictResponse,
      429: {
        description: "Rate limit exceeded, or (code quota_exceeded) the channel type's quota has no room",
        schema: errorSchema,
      },
    },
    async handler(c) {
      const { params, body, principal, ctx, now } = c;
      const row = await getScoped(ctx.db.orm, conversations, principal, params.id);
      if (!row) throw notFound("conversation not found");
      const reply = await acceptMessage(
        {
          ...c,
          body: {
            ...body,
            account_id: row.accountId,
            channel_id: row.channelId,
            delivery_address: row.participantFrom,
            contact_id: row.contactId ?? undefined,
          },
        },
        "POST /v1/conversations/messages",
        { conversationId: row.id },
      );
      if (row.status === "closed")
        await changeConversation(
          ctx,
          (orm) => updateScoped(orm, conversations, principal, row.id, { status: "open", updatedAt: now }),
          ["status"],
          now,
          c.traceparent,
        );
      return reply;
    },
  }),
  defineRoute({
    method: "patch",
    path: "/v1/conversations/:id",
    operationId: "updateConversation",
    summary: "Set a conversation's status (open, pending, closed) or assignee",
    tag,
    permission: "send",
    params: idParams,
    body: conversationUpdate,
    responses: {
      200: { description: "Updated", schema: conversationOut },
      ...errorResponses,
      ...notFoundResponse,
    },
    async handler({ params, body, principal, ctx, now, traceparent }) {
      const row = await changeConversation(
        ctx,
        (orm) => updateScoped(orm, conversations, principal, params.id, { ...body, updatedAt: now }),
        Object.keys(body),
        now,
        traceparent,
      );
      if (!row) throw notFound("conversation not found");
      return { status: 200, body: conversationJson(row, now) };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/conversations/:id/read",
    operationId: "markConversationRead",
    summary:
      "Mark a conversation read: its unread count goes to zero, and WhatsApp or Messenger shows the customer their latest message read",
    tag,
    permission: "send",
    params: idParams,
    responses: {
      200: { description: "The conversation, read, with what the provider was told", schema: conversationReadOut },
      ...errorResponses,
      ...notFoundResponse,
    },
    async handler({ params, principal, ctx, now, traceparent }) {
      const row = await changeConversation(
        ctx,
        (orm) => markConversationRead(orm, principal.accountIds, params.id, now),
        ["unread_count"],
        now,
        traceparent,
      );
      if (!row) throw notFound("conversation not found");
      const receipt = await readReceiptFor(ctx, row);
      if (receipt.outcome === "failed")
        ctx.logger.warn({ conversationId: row.id, reason: receipt.reason }, "read receipt refused by the provider");
      return { status: 200, body: { ...conversationJson(row, now), read_receipt: receipt } };
    },
  }),
];
