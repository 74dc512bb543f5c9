/**
 * Callback endpoints: an account registers HTTPS URLs and the event types each takes; the
 * signing secret is shown once (on create and on rotation). The delivery log lists every
 * delivery with its attempts (status code, latency, error code), and one can be retried by hand.
 * A URL must pass the outbound-address rule when it is registered (its host resolves to a public
 * address unless the operator allowed otherwise); the sender checks again on every connection.
 */

import { z } from "zod";
import { AppError, badRequest, conflict, notFound } from "../../../core/errors.js";
import { CALLBACK_EVENT_TYPES } from "../../../core/callbacks/events.js";
import { SendError } from "../../../core/dispatch/send-error.js";
import { checkedDestination, STRICT_OUTBOUND } from "../../../adapters/contract/outbound-address.js";
import { DeliveryStore, type DeliveryRow } from "../../../db/callbacks/delivery-store.js";
import { EndpointStore, type EndpointRow } from "../../../db/callbacks/endpoint-store.js";
import { accountFor } from "../auth/principal.js";
import type { Ctx } from "../context.js";
import { defineRoute, idParams, type AnyRoute } from "../http/route.js";
import {
  accountId,
  errorResponses,
  iso,
  isoOrNull,
  notFoundResponse,
  tsOut,
  tsOutNullable,
} from "../schemas/common.js";

const eventTypes = z
  .array(z.enum(CALLBACK_EVENT_TYPES))
  .min(1)
  .max(CALLBACK_EVENT_TYPES.length)
  .describe(`Event types sent to this endpoint: ${CALLBACK_EVENT_TYPES.join(", ")}`);
const url = z.url({ error: "must be a URL" }).max(2000).describe("Where events are POSTed (https://)");
const description = z.string().max(255).nullable();

const endpointCreate = z
  .strictObject({ account_id: accountId, url, event_types: eventTypes, description: description.optional() })
  .meta({
    examples: [{ url: "https://example.com/turumba/events", event_types: ["message.status", "message.received"] }],
  });
const endpointUpdate = z.strictObject({
  url: url.optional(),
  event_types: eventTypes.optional(),
  description: description.optional(),
  enabled: z.boolean().optional().describe("Enabling an endpoint the platform disabled clears the reason"),
});

const endpointOut = z
  .object({
    id: z.uuid(),
    account_id: z.uuid(),
    url: z.string(),
    description: z.string().nullable(),
    event_types: z.array(z.string()),
    enabled: z.boolean(),
    disabled_reason: z
      .string()
      .nullable()
      .describe("Why the platform disabled the endpoint (its deliveries failed for the whole retry period)"),
    disabled_at: tsOutNullable,
    created_at: tsOut,
    updated_at: tsOut,
  })
  .meta({ id: "WebhookEndpoint" });
const endpointWithSecret = endpointOut.extend({
  secret: z.string().describe("The signing secret, shown only in this response (see README: Event callbacks)"),
});

const attemptOut = z.object({
  attempted_at: tsOut,
  status_code: z.number().int().nullable(),
  latency_ms: z.number().int(),
  error_code: z.string().nullable(),
});
const deliveryOut = z
  .object({
    id: z.string(),
    event_id: z.uuid(),
    event_type: z.string(),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    next_attempt_at: tsOutNullable,
    created_at: tsOut,
    delivered_at: tsOutNullable,
    last_status_code: z.number().int().nullable(),
    last_error_code: z.string().nullable(),
    history: z.array(attemptOut),
  })
  .meta({ id: "WebhookDelivery" });

const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  starting_after: z.string().max(64).optional().describe("Cursor: the last id of the previous page"),
});
const endpointPageQuery = pageQuery.extend({ starting_after: z.uuid().optional() });
const deliveryPageQuery = pageQuery.extend({
  starting_after: z
    .string()
    .regex(/^\d{1,18}$/, { error: "must be a delivery id" })
    .optional()
    .describe("Cursor: the last (oldest) delivery id of the previous page"),
});
const page = <S extends z.ZodType>(item: S) =>
  z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().describe("Pass as starting_after; null on the last page"),
  });

const deliveryParams = z.strictObject({
  id: z.uuid({ error: "must be a UUID" }),
  deliveryId: z.string().regex(/^\d{1,18}$/, { error: "must be a delivery id" }),
});

function endpointJson(r: EndpointRow): z.infer<typeof endpointOut> {
  return {
    id: r.id,
    account_id: r.accountId,
    url: r.url,
    description: r.description,
    event_types: r.eventTypes,
    enabled: r.enabled,
    disabled_reason: r.disabledReason,
    disabled_at: isoOrNull(r.disabledAt),
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

function deliveryJson(d: DeliveryRow): z.infer<typeof deliveryOut> {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status as "pending" | "delivered" | "failed",
    attempts: d.attempts,
    next_attempt_at: isoOrNull(d.nextAttemptAt),
    created_at: iso(d.createdAt),
    delivered_at: isoOrNull(d.deliveredAt),
    last_status_code: d.lastStatusCode,
    last_error_code: d.lastErrorCode,
    history: d.history.map((a) => ({
      attempted_at: iso(a.attemptedAt),
      status_code: a.statusCode,
      latency_ms: a.latencyMs,
      error_code: a.errorCode,
    })),
  };
}

function endpoints(ctx: Ctx): EndpointStore {
  if (!ctx.secretBox)
    throw new AppError(
      503,
      "credentials_key_missing",
      "no credentials encryption key is configured; webhook endpoint secrets cannot be stored",
    );
  return new EndpointStore(ctx.db, ctx.secretBox);
}

/** The URL's scheme and host, checked as the sender will check them. */
async function checkUrl(ctx: Ctx, raw: string): Promise<void> {
  const u = new URL(raw);
  const allowHttp = ctx.callbacks?.allowHttp ?? false;
  if (u.protocol !== "https:" && !(allowHttp && u.protocol === "http:"))
    throw badRequest("webhook_url_invalid", "the endpoint URL must be https://", { field: "url" });
  if (u.username || u.password)
    throw badRequest("webhook_url_invalid", "the endpoint URL must not carry credentials", { field: "url" });
  try {
    await checkedDestination(u.hostname, ctx.callbacks?.outbound ?? STRICT_OUTBOUND);
  } catch (err) {
    if (err instanceof SendError && err.code === "destination_forbidden")
      throw badRequest("webhook_url_forbidden", `the endpoint's host is not allowed: ${err.message}`, { field: "url" });
    throw badRequest("webhook_url_unresolvable", "the endpoint's host name does not resolve", { field: "url" });
  }
}

const tag = "webhook-endpoints";

export const webhookEndpointRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/webhook-endpoints",
    operationId: "listWebhookEndpoints",
    summary: "List the account's callback endpoints (never their secrets)",
    tag,
    permission: "admin",
    query: endpointPageQuery,
    responses: { 200: { description: "A page of endpoints", schema: page(endpointOut) }, ...errorResponses },
    async handler({ query, principal, ctx }) {
      const rows = await endpoints(ctx).list(principal, query.limit + 1, query.starting_after);
      const items = rows.slice(0, query.limit);
      return {
        status: 200,
        body: { items: items.map(endpointJson), next_cursor: rows.length > query.limit ? items.at(-1)!.id : null },
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/webhook-endpoints",
    operationId: "createWebhookEndpoint",
    summary: "Register a callback endpoint; the signing secret is in this response only",
    tag,
    permission: "admin",
    body: endpointCreate,
    responses: {
      201: { description: "Created, with its secret", schema: endpointWithSecret },
      ...errorResponses,
    },
    async handler({ body, principal, ctx, now }) {
      const account = accountFor(principal, body.account_id);
      await checkUrl(ctx, body.url);
      const { row, secret } = await endpoints(ctx).create(
        account,
        { url: body.url, description: body.description ?? null, eventTypes: [...new Set(body.event_types)] },
        now,
      );
      return { status: 201, body: { ...endpointJson(row), secret }, headers: { "Cache-Control": "no-store" } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/webhook-endpoints/:id",
    operationId: "getWebhookEndpoint",
    summary: "One callback endpoint, with the reason when the platform disabled it",
    tag,
    permission: "admin",
    params: idParams,
    responses: { 200: { description: "The endpoint", schema: endpointOut }, ...errorResponses, ...notFoundResponse },
    async handler({ params, principal, ctx }) {
      const row = await endpoints(ctx).get(principal, params.id);
      if (!row) throw notFound("webhook endpoint not found");
      return { status: 200, body: endpointJson(row) };
    },
  }),
  defineRoute({
    method: "patch",
    path: "/v1/webhook-endpoints/:id",
    operationId: "updateWebhookEndpoint",
    summary: "Change an endpoint's URL, event types or description, or enable or disable it",
    tag,
    permission: "admin",
    params: idParams,
    body: endpointUpdate,
    responses: { 200: { description: "Updated", schema: endpointOut }, ...errorResponses, ...notFoundResponse },
    async handler({ params, body, principal, ctx, now }) {
      if (body.url !== undefined) await checkUrl(ctx, body.url);
      const row = await endpoints(ctx).update(
        principal,
        params.id,
        {
          url: body.url,
          description: body.description,
          eventTypes: body.event_types && [...new Set(body.event_types)],
          enabled: body.enabled,
        },
        now,
      );
      if (!row) throw notFound("webhook endpoint not found");
      return { status: 200, body: endpointJson(row) };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/v1/webhook-endpoints/:id",
    operationId: "deleteWebhookEndpoint",
    summary: "Delete an endpoint and its delivery log",
    tag,
    permission: "admin",
    params: idParams,
    responses: { 204: { description: "Deleted" }, ...errorResponses, ...notFoundResponse },
    async handler({ params, principal, ctx }) {
      if (!(await endpoints(ctx).remove(principal, params.id))) throw notFound("webhook endpoint not found");
      return { status: 204 };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/webhook-endpoints/:id/rotate-secret",
    operationId: "rotateWebhookEndpointSecret",
    summary: "Replace the signing secret; the new one is in this response only and signs from now on",
    tag,
    permission: "admin",
    params: idParams,
    responses: {
      200: { description: "The endpoint with its new secret", schema: endpointWithSecret },
      ...errorResponses,
      ...notFoundResponse,
    },
    async handler({ params, principal, ctx, now }) {
      const rotated = await endpoints(ctx).rotateSecret(principal, params.id, now);
      if (!rotated) throw notFound("webhook endpoint not found");
      return {
        status: 200,
        body: { ...endpointJson(rotated.row), secret: rotated.secret },
        headers: { "Cache-Control": "no-store" },
      };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/webhook-endpoints/:id/deliveries",
    operationId: "listWebhookDeliveries",
    summary: "The endpoint's deliveries, newest first, each with its attempts (status code, latency, error code)",
    tag,
    permission: "admin",
    params: idParams,
    query: deliveryPageQuery,
    responses: {
      200: { description: "A page of deliveries", schema: page(deliveryOut) },
      ...errorResponses,
      ...notFoundResponse,
    },
    async handler({ params, query, principal, ctx }) {
      if (!(await endpoints(ctx).get(principal, params.id))) throw notFound("webhook endpoint not found");
      const rows = await new DeliveryStore(ctx.db).list(params.id, query.limit + 1, query.starting_after);
      const items = rows.slice(0, query.limit);
      return {
        status: 200,
        body: { items: items.map(deliveryJson), next_cursor: rows.length > query.limit ? items.at(-1)!.id : null },
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/webhook-endpoints/:id/deliveries/:deliveryId/retry",
    operationId: "retryWebhookDelivery",
    summary: "Send a delivery again now (with a fresh retry period); the event keeps its id",
    tag,
    permission: "admin",
    params: deliveryParams,
    responses: {
      202: { description: "Queued for delivery" },
      ...errorResponses,
      ...notFoundResponse,
      409: { description: "The endpoint is disabled: enable it first" },
    },
    async handler({ params, principal, ctx, now }) {
      const endpoint = await endpoints(ctx).get(principal, params.id);
      if (!endpoint) throw notFound("webhook endpoint not found");
      if (!endpoint.enabled)
        throw conflict("webhook_endpoint_disabled", "the endpoint is disabled; enable it before retrying deliveries");
      if (!(await new DeliveryStore(ctx.db).retry(params.id, params.deliveryId, now)))
        throw notFound("delivery not found");
      await ctx.callbacks?.nudge(params.id);
      return { status: 202 };
    },
  }),
];
