/**
 * Message routes: send one (rendered from a template or as given, queued for its channel's actor),
 * list with the filter grammar, get, cancel, and a message's event timeline.
 */

import { badRequest, notFound } from "../../../core/errors.js";
import type { ChannelType } from "../../../core/messages/vocabulary.js";
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
import type { FallbackStrategy, MessageStatus } from "../../../core/messages/lifecycle.js";
import { accountFor } from "../auth/principal.js";
import { idempotent } from "../http/idempotency.js";
import { listQuerySchema, pageBody, pageSchema, toListQuery } from "../http/list.js";
import { defineRoute, idParams, type AnyRoute } from "../http/route.js";
import { parseWith } from "../http/validation.js";
import { messageCreated } from "../publish.js";
import { addressSchema } from "../schemas/addresses.js";
import { conflictResponse, errorResponses, notFoundResponse } from "../schemas/common.js";
import {
  messageCreate,
  messageEventJson,
  messageEventOut,
  messageJson,
  messageOut,
  messageUpdate,
} from "../schemas/messages.js";
import { render } from "../../../core/templating.js";
import { z } from "zod";
import { assertChannelAccepts, channelForType, channelRef, contactRef, templateRef } from "./references.js";

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
    query: listQuerySchema,
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
    },
    async handler({ body, principal, ctx, now, req, traceId, traceparent }) {
      const accountId = accountFor(principal, body.account_id);
      let created: MessageRow | undefined;
      const { reply, fresh } = await idempotent(ctx, req, accountId, "POST /v1/messages", now, async (tx) => {
        // Naming only a type lets the platform pick the channel, and move the message to the next
        // one of that type if this one's provider goes down.
        const byType = body.channel_id === undefined;
        const channel = byType
          ? await channelForType(tx, accountId, body.channel_type!)
          : await channelRef(tx, accountId, body.channel_id!);
        const channelType = channel.channelType as ChannelType;
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
        parseWith(addressSchema(channelType), body.delivery_address, "delivery_address");
        const contact = body.contact_id ? await contactRef(tx, accountId, body.contact_id) : undefined;

        let messageBody = body.message_body ?? "";
        let finalStatus = status;
        let skipReason: string | undefined;
        if (body.template_id) {
          const t = await templateRef(tx, accountId, body.template_id);
          const r = render({
            body: t.body,
            fallbackStrategy: t.fallbackStrategy as FallbackStrategy,
            defaultValues: t.defaultValues,
            contact,
            customValues: body.custom_values,
          });
          if (r.skipped) {
            // The template asks to skip recipients it cannot fill: kept as a record, never sent.
            finalStatus = "skipped";
            skipReason = `missing template variables: ${r.missing.join(", ")}`;
            messageBody = render({
              body: t.body,
              fallbackStrategy: "keep",
              contact,
              customValues: body.custom_values,
            }).text;
          } else messageBody = r.text;
        }
        const sms = SMS_TYPES.includes(channelType) ? segmentInfo(messageBody) : undefined;
        created = await createMessage(
          tx,
          {
            accountId,
            channelId: channel.id,
            channelType,
            direction,
            status: finalStatus,
            priority: body.priority ?? 0,
            deliveryAddress: body.delivery_address,
            messageBody,
            metadata: byType ? { ...body.metadata, allow_failover: true } : body.metadata,
            contactId: contact?.id ?? null,
            templateId: body.template_id ?? null,
            encoding: sms?.encoding ?? null,
            segments: sms ? sms.segments : null,
            traceId: traceId || null,
            errorCode: skipReason ? "missing_variables" : null,
            errorMessage: skipReason ?? null,
          },
          now,
        );
        return { status: 201, body: messageJson(created) };
      });
      if (fresh && created?.status === "queued" && created.direction === "outbound")
        await messageCreated(ctx, created, now, traceparent);
      const id = (reply.body as { id: string }).id;
      return { ...reply, headers: { ...reply.headers, Location: `/v1/messages/${id}` } };
    },
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
