/**
 * Message routes: send one (rendered from a template or as given, with its channel options, or as a
 * reply to an inbound message; queued for its channel's actor, or failed at once when WhatsApp's
 * care window is closed), list with the filter grammar, get, cancel, and a message's event timeline.
 */

import { badRequest, notFound } from "../../../core/errors.js";
import { segmentInfo } from "../../../core/sms/encoding.js";
import { listResource } from "../../../db/query/list.js";
import { messagesResource } from "../resources.js";
import {
  changeMessageStatus,
  createMessage,
  deleteMessage,
  getMessage,
  listMessageEvents,
  updateMessageMetadata,
} from "../../../db/messages/repository.js";
import type { MessageRow } from "../../../db/schema.js";
import type { MessageStatus } from "../../../core/messages/lifecycle.js";
import { accountFor } from "../auth/principal.js";
import { idempotent } from "../http/idempotency.js";
import { listQuery, pageBody, pageSchema, toListQuery } from "../http/list.js";
import { defineRoute, idParams, type AnyRoute, type HandlerCtx, type Reply } from "../http/route.js";
import { parseWith } from "../http/validation.js";
import { messageCreated } from "../publish.js";
import { addressSchema } from "../schemas/addresses.js";
import { conflictResponse, errorResponses, errorSchema, notFoundResponse } from "../schemas/common.js";
import {
  messageCreate,
  type MessageCreate,
  messageEventJson,
  messageEventOut,
  messageJson,
  messageOut,
  messageUpdate,
} from "../schemas/messages.js";
import { z } from "zod";
import { composeAsGiven, composeForChannel } from "../../../core/content/compose.js";
import {
  OUTSIDE_CARE_WINDOW,
  OUTSIDE_CARE_WINDOW_MESSAGE,
  carriesTemplate,
  insideCareWindow,
} from "../../../core/messages/care-window.js";
import { lastInboundTime } from "../../../db/conversations/care-window.js";
import { getScoped } from "../../../db/query/crud.js";
import { contacts } from "../../../db/schema.js";
import { assertChannelAccepts, contactRef, templateRef } from "./references.js";
import { messageTarget } from "./message-target.js";
import { assertRenderedFits, channelOptionsFor, templateSource } from "./send-content.js";
import { checkAttachments } from "../media/attachments.js";
import { reserveQuotaOrRefuse } from "./quota-guard.js";
import { normaliseAddress } from "../../../core/webhooks/opt-out.js";
import { openConversationWith, touchOutbound } from "../../../db/conversations/threads.js";

const SMS_TYPES: readonly string[] = ["sms", "smpp"];
const tag = "messages";

export const messageRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/messages",
    operationId: "listMessages",
    summary: "List messages (newest first unless sorted otherwise)",
    tag,
    permission: "read",
    query: listQuery(messagesResource),
    responses: { 200: { description: "A page of messages", schema: pageSchema(messageOut) }, ...errorResponses },
    async handler({ query, principal, ctx }) {
      const q = toListQuery(query, messagesResource, ctx.config);
      return {
        status: 200,
        body: pageBody(
          await listResource(ctx.db.orm, messagesResource, principal, q, ctx.config.API_COUNT_CAP),
          q,
          messageJson,
        ),
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/messages",
    operationId: "createMessage",
    summary: "Create a message; an outbound one is queued and handed to its channel type's dispatch topic",
    tag,
    permission: "send",
    body: messageCreate,
    idempotent: true,
    responses: {
      201: { description: "Created (or, with a repeated Idempotency-Key, the original response)", schema: messageOut },
      ...errorResponses,
      ...notFoundResponse,
      409: { description: "Channel disabled/draining, template inactive, or Idempotency-Key reused with another body" },
      429: {
        description:
          "Rate limit exceeded, or (code quota_exceeded) the channel type's daily or monthly quota has no room; resets_at and Retry-After say when it resets",
        schema: errorSchema,
      },
    },
    handler: (c) => acceptMessage(c, "POST /v1/messages"),
  }),
  defineRoute({
    method: "get",
    path: "/v1/messages/:id",
    operationId: "getMessage",
    summary: "Get a message",
    tag,
    permission: "read",
    params: idParams,
    responses: { 200: { description: "The message", schema: messageOut }, ...errorResponses, ...notFoundResponse },
    async handler({ params, principal, ctx }) {
      const row = await getMessage(ctx.db.orm, principal, params.id);
      if (!row) throw notFound("message not found");
      return { status: 200, body: messageJson(row) };
    },
  }),
  defineRoute({
    method: "patch",
    path: "/v1/messages/:id",
    operationId: "updateMessage",
    summary: "Cancel a queued message or replace its metadata",
    tag,
    permission: "send",
    params: idParams,
    body: messageUpdate,
    responses: {
      200: { description: "Updated", schema: messageOut },
      ...errorResponses,
      ...notFoundResponse,
      ...conflictResponse,
    },
    async handler({ params, body, principal, ctx, now }) {
      let row: MessageRow | undefined;
      if (body.metadata !== undefined)
        row = await updateMessageMetadata(ctx.db.orm, principal, params.id, body.metadata, now);
      if (body.status !== undefined)
        row = (
          await changeMessageStatus(
            ctx.db,
            principal,
            params.id,
            { to: body.status, eventData: { by: principal.subject } },
            now,
          )
        )?.row;
      if (!row) throw notFound("message not found");
      return { status: 200, body: messageJson(row) };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/v1/messages/:id",
    operationId: "deleteMessage",
    summary: "Delete a message and its status history (not while it is being sent)",
    tag,
    permission: "manage",
    params: idParams,
    responses: { 204: { description: "Deleted" }, ...errorResponses, ...notFoundResponse, ...conflictResponse },
    async handler({ params, principal, ctx }) {
      if (!(await deleteMessage(ctx.db, principal, params.id))) throw notFound("message not found");
      return { status: 204 };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/messages/:id/events",
    operationId: "listMessageEvents",
    summary: "A message's status history, oldest first",
    tag,
    permission: "read",
    params: idParams,
    responses: {
      200: { description: "Status changes", schema: z.object({ items: z.array(messageEventOut) }) },
      ...errorResponses,
      ...notFoundResponse,
    },
    async handler({ params, principal, ctx }) {
      const m = await getMessage(ctx.db.orm, principal, params.id);
      if (!m) throw notFound("message not found");
      return { status: 200, body: { items: (await listMessageEvents(ctx.db.orm, m)).map(messageEventJson) } };
    },
  }),
];

/**
 * Accepts one message (POST /v1/messages, and a conversation's reply): where it goes, its content
 * rendered for the channel, the quota reserved, the row written and, when queued, the event that
 * hands it to dispatch. `conversationId` threads it into that conversation.
 */
export async function acceptMessage(
  { body, principal, ctx, now, req, res, traceId, traceparent }: HandlerCtx<unknown, unknown, MessageCreate>,
  scope: string,
  opts: { conversationId?: string } = {},
): Promise<Reply> {
  const accountId = accountFor(principal, body.account_id);
  let created: MessageRow | undefined;
  const { reply, fresh } = await idempotent(ctx, req, accountId, scope, now, async (tx) => {
    const { channel, channelType, deliveryAddress, byType, inbound } = await messageTarget(tx, accountId, body);
    const direction = body.direction ?? "outbound";
    const status: MessageStatus = body.status ?? (direction === "outbound" ? "queued" : "delivered");
    if (direction === "outbound") {
      if (status !== "queued")
        throw badRequest("validation_error", "status: outbound messages start queued", { field: "status" });
      assertChannelAccepts(channel);
    } else if (status === "queued" || status === "sending") {
      throw badRequest("validation_error", `status: ${direction} messages are records and cannot be ${status}`, {
        field: "status",
      });
    }
    if (body.delivery_address !== undefined)
      parseWith(addressSchema(channelType), body.delivery_address, "delivery_address");
    const contact = body.contact_id
      ? await contactRef(tx, accountId, body.contact_id)
      : inbound?.contactId
        ? await getScoped(tx, contacts, { accountIds: [accountId] }, inbound.contactId)
        : undefined;
    const options = channelOptionsFor(channelType, body.channel_options, body.metadata);
    await checkAttachments(tx, accountId, channel, options.attachments, ctx.outbound, now);

    const content = body.template_id
      ? composeForChannel(
          channelType,
          templateSource(await templateRef(tx, accountId, body.template_id)),
          { contact, customValues: body.custom_values },
          options,
        )
      : composeAsGiven(channelType, body.message_body ?? "", options);
    assertRenderedFits(content);
    const messageBody = content.body;
    let finalStatus: MessageStatus = status;
    let error: { code: string; message: string } | undefined;
    if (content.skipped) {
      // The template asks to skip recipients it cannot fill: kept as a record, never sent.
      finalStatus = "skipped";
      error = { code: "missing_variables", message: `missing template variables: ${content.missing.join(", ")}` };
    } else if (
      finalStatus === "queued" &&
      channelType === "whatsapp" &&
      !carriesTemplate(content.options) &&
      !insideCareWindow(await lastInboundTime(tx, { id: channel.id, channelType }, deliveryAddress), now)
    ) {
      // Free-form text outside the customer-care window can only fail: it fails now, before
      // any provider call. (The send turn checks again: the window may close while it waits.)
      finalStatus = "failed";
      error = { code: OUTSIDE_CARE_WINDOW, message: OUTSIDE_CARE_WINDOW_MESSAGE };
    }
    const sms = SMS_TYPES.includes(channelType) ? segmentInfo(messageBody) : undefined;
    if (direction === "outbound") await reserveQuotaOrRefuse(tx, res, accountId, channelType, 1, now);
    // A reply joins its inbound message's conversation; any other outbound message the open
    // (or pending) conversation with that address on that channel, so a thread shows both ways.
    const conversationId =
      opts.conversationId ??
      inbound?.conversationId ??
      (direction === "outbound"
        ? await openConversationWith(tx, channel.id, normaliseAddress(channelType, deliveryAddress))
        : null);
    created = await createMessage(
      tx,
      {
        accountId,
        channelId: channel.id,
        channelType,
        direction,
        status: finalStatus,
        priority: body.priority ?? 0,
        deliveryAddress,
        messageBody,
        metadata: byType ? { ...body.metadata, allow_failover: true } : body.metadata,
        channelOptions: content.options,
        contactId: contact?.id ?? null,
        conversationId,
        replyToMessageId: inbound?.id ?? null,
        replyToProviderMessageId: inbound?.providerMessageId ?? null,
        templateId: body.template_id ?? null,
        encoding: sms?.encoding ?? null,
        segments: sms ? sms.segments : null,
        traceId: traceId || null,
        errorCode: error?.code ?? null,
        errorMessage: error?.message ?? null,
      },
      now,
    );
    if (conversationId && direction === "outbound") await touchOutbound(tx, conversationId, now);
    return { status: 201, body: messageJson(created) };
  });
  if (fresh && created?.status === "queued" && created.direction === "outbound")
    await messageCreated(ctx, created, now, traceparent);
  const id = (reply.body as { id: string }).id;
  return { ...reply, headers: { ...reply.headers, Location: `/v1/messages/${id}` } };
}
