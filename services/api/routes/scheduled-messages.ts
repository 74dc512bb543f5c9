/**
 * Scheduled message routes: one-time and recurring schedules of single or group sends, and their
 * pause/resume/cancel lifecycle; the ScheduleActor arms the reminders.
 */

import type { Response } from "express";
import { badRequest, conflict, notFound } from "../../../core/errors.js";
import type { ScheduledMessageEvent } from "../../../core/events.js";
import type { ChannelType } from "../../../core/messages/vocabulary.js";
import type { SEND_TYPES } from "../../../core/messages/lifecycle.js";
import { frequencyProblem } from "../../../core/schedule/recurrence.js";
import type { ApiConfig } from "../config.js";
import { listResource } from "../../../db/query/list.js";
import { scheduledMessagesResource } from "../resources.js";
import { deleteScoped, getScoped } from "../../../db/query/crud.js";
import type { Orm } from "../../../db/client.js";
import {
  canDeleteScheduled,
  createScheduledWithinCap,
  transitionScheduledMessage,
  updateScheduledMessage,
  type ScheduledMessagePatch,
} from "../../../db/schedules/repository.js";
import { scheduledMessages, type ScheduledMessageRow } from "../../../db/schema.js";
import { accountFor } from "../auth/principal.js";
import { listQuery, pageBody, pageSchema, toListQuery } from "../http/list.js";
import { defineRoute, idParams, type AnyRoute } from "../http/route.js";
import { parseWith } from "../http/validation.js";
import { scheduledMessageEvent } from "../publish.js";
import { addressSchema } from "../schemas/addresses.js";
import { conflictResponse, errorResponses, errorSchema, notFoundResponse } from "../schemas/common.js";
import { scheduledCreate, scheduledJson, scheduledOut, scheduledUpdate } from "../schemas/scheduled-messages.js";
import { checkAttachments } from "../media/attachments.js";
import { countGroupRecipients } from "../../../db/contacts/repository.js";
import { refuseKnownOverrun } from "./quota-guard.js";
import { checkedPatchedOptions } from "./patched-options.js";
import { channelRef, contactRef, groupRefs, templateRef } from "./references.js";
import { assertPatchedSendFits, assertSendFits, channelOptionsFor, templateSource } from "./send-content.js";

/**
 * Recurring schedules an account may keep active: each fires on its own, so without a cap an
 * account could set the platform to fire without end at any rate its rules allow.
 */
const MAX_ACTIVE_RECURRING = 100;

type SendType = (typeof SEND_TYPES)[number];

/** 400 when a rule fires more often than its kind of send may (SCHEDULE_*MIN_INTERVAL_SECONDS). */
function assertFrequency(config: ApiConfig, rule: string, sendType: SendType): void {
  const seconds =
    sendType === "group" ? config.SCHEDULE_GROUP_MIN_INTERVAL_SECONDS : config.SCHEDULE_MIN_INTERVAL_SECONDS;
  const problem = frequencyProblem(rule, seconds * 1000);
  if (problem) throw badRequest("recurrence_too_frequent", `recurrence_rule: ${problem}`, { field: "recurrence_rule" });
}

const tag = "scheduled-messages";
/** A schedule a minute in the past is a clock difference; further back is a mistake. */
const PAST_TOLERANCE_MS = 60_000;

function notInPast(at: Date, now: Date, field: string): void {
  if (at.getTime() < now.getTime() - PAST_TOLERANCE_MS)
    throw badRequest("validation_error", `${field}: must not be in the past`, { field });
}

const STATUS_EVENT: Record<string, ScheduledMessageEvent["type"]> = {
  paused: "scheduled_message.paused",
  cancelled: "scheduled_message.cancelled",
  pending: "scheduled_message.resumed",
};

export const scheduledMessageRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/scheduled-messages",
    operationId: "listScheduledMessages",
    summary: "List scheduled messages",
    tag,
    permission: "read",
    query: listQuery(scheduledMessagesResource),
    responses: {
      200: { description: "A page of scheduled messages", schema: pageSchema(scheduledOut) },
      ...errorResponses,
    },
    async handler({ query, principal, ctx }) {
      const q = toListQuery(query, scheduledMessagesResource, ctx.config);
      return {
        status: 200,
        body: pageBody(
          await listResource(ctx.db.orm, scheduledMessagesResource, principal, q, ctx.config.API_COUNT_CAP),
          q,
          scheduledJson,
        ),
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/scheduled-messages",
    operationId: "createScheduledMessage",
    summary: "Schedule a single or group send, once or recurring",
    tag,
    permission: "manage",
    body: scheduledCreate,
    responses: {
      201: { description: "Created", schema: scheduledOut },
      ...errorResponses,
      ...conflictResponse,
      429: {
        description:
          "Rate limit exceeded, or (code quota_exceeded) its first firing is known to pass the channel type's daily or monthly quota (larger than the limit, or more than what is left of the period it fires in); resets_at and Retry-After say when it resets",
        schema: errorSchema,
      },
    },
    async handler({ body, principal, ctx, now, res, traceparent }) {
      const accountId = accountFor(principal, body.account_id);
      const scheduledAt = new Date(body.scheduled_at);
      notInPast(scheduledAt, now, "scheduled_at");
      const channel = await channelRef(ctx.db.orm, accountId, body.channel_id);
      const channelOptions = channelOptionsFor(channel.channelType as ChannelType, body.channel_options, body.metadata);
      await checkAttachments(ctx.db.orm, accountId, channel, channelOptions.attachments, ctx.outbound, now);
      if (body.delivery_address)
        parseWith(addressSchema(channel.channelType as ChannelType), body.delivery_address, "delivery_address");
      if (body.recurrence_rule) assertFrequency(ctx.config, body.recurrence_rule, body.send_type);
      const template = body.template_id ? await templateRef(ctx.db.orm, accountId, body.template_id) : undefined;
      assertSendFits(
        channel.channelType as ChannelType,
        template ? templateSource(template) : { body: body.message_body ?? "", fallbackStrategy: "keep" },
        body.custom_values,
        channelOptions,
      );
      if (body.contact_id) await contactRef(ctx.db.orm, accountId, body.contact_id);
      if (body.contact_group_ids) await groupRefs(ctx.db.orm, accountId, body.contact_group_ids);
      // What its first firing will ask of the quota, refused now when it cannot fit then.
      await refuseKnownOverrun(
        ctx.db.orm,
        res,
        accountId,
        channel.channelType as ChannelType,
        body.send_type === "group" ? await countGroupRecipients(ctx.db.orm, body.contact_group_ids ?? []) : 1,
        scheduledAt,
        now,
      );
      const row = await createScheduledWithinCap(
        ctx.db,
        {
          accountId,
          name: body.name,
          channelId: channel.id,
          templateId: body.template_id ?? null,
          messageBody: body.message_body ?? null,
          sendType: body.send_type,
          deliveryAddress: body.delivery_address ?? null,
          contactId: body.contact_id ?? null,
          contactGroupIds: body.contact_group_ids,
          customValues: body.custom_values,
          scheduledAt,
          timezone: body.timezone,
          isRecurring: body.is_recurring,
          recurrenceRule: body.recurrence_rule ?? null,
          recurrenceEndAt: body.recurrence_end_at ? new Date(body.recurrence_end_at) : null,
          recurrenceMaxCount: body.recurrence_max_count ?? null,
          metadata: body.metadata,
          channelOptions,
        },
        now,
        MAX_ACTIVE_RECURRING,
      );
      await scheduledMessageEvent(ctx, "scheduled_message.created", row, now, traceparent);
      return { status: 201, body: scheduledJson(row), headers: { Location: `/v1/scheduled-messages/${row.id}` } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/scheduled-messages/:id",
    operationId: "getScheduledMessage",
    summary: "Get a scheduled message",
    tag,
    permission: "read",
    params: idParams,
    responses: {
      200: { description: "The scheduled message", schema: scheduledOut },
      ...errorResponses,
      ...notFoundResponse,
    },
    async handler({ params, principal, ctx }) {
      const row = await getScoped(ctx.db.orm, scheduledMessages, principal, params.id);
      if (!row) throw notFound("scheduled message not found");
      return { status: 200, body: scheduledJson(row) };
    },
  }),
  defineRoute({
    method: "patch",
    path: "/v1/scheduled-messages/:id",
    operationId: "updateScheduledMessage",
    summary: "Edit a pending or paused schedule; pause, resume (status pending) or cancel it",
    tag,
    permission: "manage",
    params: idParams,
    body: scheduledUpdate,
    responses: {
      200: { description: "Updated", schema: scheduledOut },
      ...errorResponses,
      ...notFoundResponse,
      ...conflictResponse,
      429: {
        description:
          "Rate limit exceeded, or (code quota_exceeded) the edit changes its recipients or its firing time, or resumes a paused schedule, and its next firing is then known to pass the channel type's daily or monthly quota, as on create; resets_at and Retry-After say when it resets",
        schema: errorSchema,
      },
    },
    async handler({ params, body, principal, ctx, now, res, traceparent }) {
      const current = await getScoped(ctx.db.orm, scheduledMessages, principal, params.id);
      if (!current) throw notFound("scheduled message not found");
      const { status, ...content } = body;
      let row: ScheduledMessageRow | undefined = current;
      if (Object.keys(content).length > 0) {
        const patch: ScheduledMessagePatch = {
          name: content.name,
          customValues: content.custom_values,
          timezone: content.timezone,
          metadata: content.metadata,
        };
        if (content.channel_options !== undefined || content.metadata !== undefined) {
          patch.channelOptions = await checkedPatchedOptions(ctx.db.orm, current, content, ctx.outbound, now);
        }
        if (content.template_id !== undefined && content.message_body !== undefined) {
          throw badRequest("validation_error", "template_id: send either template_id or message_body, not both", {
            field: "template_id",
          });
        }
        if (content.template_id)
          Object.assign(patch, {
            templateId: (await templateRef(ctx.db.orm, current.accountId, content.template_id)).id,
            messageBody: null,
          });
        if (content.message_body) Object.assign(patch, { messageBody: content.message_body, templateId: null });
        if (content.delivery_address) {
          if (current.sendType !== "single")
            throw badRequest("validation_error", "delivery_address: group sends do not take a single recipient", {
              field: "delivery_address",
            });
          const channel = await channelRef(ctx.db.orm, current.accountId, current.channelId);
          parseWith(addressSchema(channel.channelType as ChannelType), content.delivery_address, "delivery_address");
          patch.deliveryAddress = content.delivery_address;
        }
        if (content.contact_group_ids) {
          if (current.sendType !== "group")
            throw badRequest("validation_error", "contact_group_ids: only group sends take contact groups", {
              field: "contact_group_ids",
            });
          await groupRefs(ctx.db.orm, current.accountId, content.contact_group_ids);
          patch.contactGroupIds = content.contact_group_ids;
        }
        if (content.scheduled_at) {
          patch.scheduledAt = new Date(content.scheduled_at);
          notInPast(patch.scheduledAt, now, "scheduled_at");
        }
        if (content.recurrence_rule !== undefined) {
          if (content.recurrence_rule !== null && !current.isRecurring) {
            throw badRequest("validation_error", "recurrence_rule: this schedule is not recurring", {
              field: "recurrence_rule",
            });
          }
          if (content.recurrence_rule === null && current.isRecurring) {
            throw badRequest("validation_error", "recurrence_rule: a recurring schedule needs a rule", {
              field: "recurrence_rule",
            });
          }
          if (content.recurrence_rule !== null)
            assertFrequency(ctx.config, content.recurrence_rule, current.sendType as SendType);
          patch.recurrenceRule = content.recurrence_rule;
        }
        if (content.recurrence_end_at !== undefined)
          patch.recurrenceEndAt = content.recurrence_end_at ? new Date(content.recurrence_end_at) : null;
        if (content.recurrence_max_count !== undefined) patch.recurrenceMaxCount = content.recurrence_max_count;
        await assertPatchedSendFits(ctx.db.orm, current, patch);
        // An edit of what the quota check depends on is checked again, as a create would be.
        if (patch.contactGroupIds !== undefined || patch.scheduledAt !== undefined)
          await refuseNextFiringOverrun(ctx.db.orm, res, current, now, patch);
        row = await updateScheduledMessage(ctx.db, principal, params.id, patch, now);
        if (row) await scheduledMessageEvent(ctx, "scheduled_message.updated", row, now, traceparent);
      }
      if (status !== undefined && row && status !== row.status) {
        // A resume is checked like a create: the quota may have been used up while it was paused.
        if (status === "pending" && row.status === "paused") await refuseNextFiringOverrun(ctx.db.orm, res, row, now);
        const moved = await transitionScheduledMessage(ctx.db, principal, params.id, status, now);
        row = moved?.row;
        if (row) await scheduledMessageEvent(ctx, STATUS_EVENT[status]!, row, now, traceparent);
      }
      if (!row) throw notFound("scheduled message not found");
      return { status: 200, body: scheduledJson(row) };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/v1/scheduled-messages/:id",
    operationId: "deleteScheduledMessage",
    summary: "Delete a schedule that is not being triggered right now",
    tag,
    permission: "manage",
    params: idParams,
    responses: { 204: { description: "Deleted" }, ...errorResponses, ...notFoundResponse, ...conflictResponse },
    async handler({ params, principal, ctx }) {
      const current = await getScoped(ctx.db.orm, scheduledMessages, principal, params.id);
      if (!current) throw notFound("scheduled message not found");
      if (!canDeleteScheduled(current.status))
        throw conflict("invalid_state", `a ${current.status} schedule cannot be deleted now`);
      await deleteScoped(ctx.db.orm, scheduledMessages, principal, params.id);
      return { status: 204 };
    },
  }),
];

/**
 * Refused with 429 when the schedule's next firing, with the edit's groups and time if it changes
 * them, is known to pass the channel type's quota.
 */
async function refuseNextFiringOverrun(
  orm: Orm,
  res: Response,
  schedule: ScheduledMessageRow,
  now: Date,
  change: { contactGroupIds?: string[]; scheduledAt?: Date } = {},
): Promise<void> {
  const channel = await channelRef(orm, schedule.accountId, schedule.channelId);
  await refuseKnownOverrun(
    orm,
    res,
    schedule.accountId,
    channel.channelType as ChannelType,
    schedule.sendType === "group"
      ? await countGroupRecipients(orm, change.contactGroupIds ?? schedule.contactGroupIds)
      : 1,
    change.scheduledAt ?? schedule.nextTriggerAt ?? schedule.scheduledAt,
    now,
  );
}
