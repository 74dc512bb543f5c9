/**
 * Channel routes: create and update with the provider's own credentials schema (secrets write-only,
 * masked in answers), status changes (pause, resume, drain), and the webhook URL and setup steps.
 */

import { AppError, badRequest, notFound } from "../../../core/errors.js";
import type { ChannelType } from "../../../core/messages/vocabulary.js";
import { credentialKind, providerKeys } from "../../../adapters/registry.js";
import { listResource } from "../../../db/query/list.js";
import { channelsResource } from "../resources.js";
import { createChannel, updateChannel } from "../../../db/channels/repository.js";
import { deleteScoped, getScoped } from "../../../db/query/crud.js";
import { channels } from "../../../db/schema.js";
import type { SecretBox } from "../../../db/secret-box.js";
import type { ChannelStatus } from "../../../core/messages/lifecycle.js";
import { accountFor } from "../auth/principal.js";
import { listQuerySchema, pageBody, pageSchema, toListQuery } from "../http/list.js";
import { defineRoute, idParams, type AnyRoute } from "../http/route.js";
import { parseWith } from "../http/validation.js";
import { channelUpdated } from "../publish.js";
import { channelCreate, channelJson, channelOut, channelUpdate } from "../schemas/channels.js";
import { conflictResponse, errorResponses, notFoundResponse } from "../schemas/common.js";

/** Credentials are checked with the adapter's own schema for the type and provider. */
function validCredentials(
  type: ChannelType,
  provider: string,
  input: Record<string, unknown>,
): Record<string, unknown> {
  const kind = credentialKind(type, provider);
  if (!kind) {
    throw badRequest(
      "validation_error",
      `provider: must be one of ${providerKeys(type).join(", ")} for ${type} channels`,
      { field: "provider" },
    );
  }
  return parseWith(kind.schema, input, "credentials") as Record<string, unknown>;
}

function requireBox(box: SecretBox | undefined): SecretBox {
  if (!box)
    throw new AppError(
      503,
      "credentials_key_missing",
      "no credentials encryption key is configured; channel credentials cannot be stored",
    );
  return box;
}

const tag = "channels";

export const channelRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/channels",
    operationId: "listChannels",
    summary: "List channels",
    tag,
    permission: "read",
    query: listQuerySchema,
    responses: { 200: { description: "A page of channels", schema: pageSchema(channelOut) }, ...errorResponses },
    async handler({ query, principal, ctx }) {
      const q = toListQuery(query, channelsResource, ctx.config);
      const result = await listResource(ctx.db.orm, channelsResource, principal, q, ctx.config.API_COUNT_CAP);
      return { status: 200, body: pageBody(result, q, channelJson) };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/channels",
    operationId: "createChannel",
    summary: "Create a channel (credentials are encrypted and never returned)",
    tag,
    permission: "admin",
    body: channelCreate,
    responses: { 201: { description: "Created", schema: channelOut }, ...errorResponses, ...conflictResponse },
    async handler({ body, principal, ctx, now }) {
      const provider = body.provider ?? (body.channel_type === "sms" ? "" : "default");
      const credentials = validCredentials(body.channel_type, provider, body.credentials);
      const row = await createChannel(
        ctx.db.orm,
        requireBox(ctx.secretBox),
        {
          accountId: accountFor(principal, body.account_id),
          name: body.name,
          channelType: body.channel_type,
          provider,
          credentials,
          senderName: body.sender_name,
          rateLimit: body.rate_limit,
          burst: body.burst,
          priority: body.priority,
          isEnabled: body.is_enabled,
          status: body.status as ChannelStatus | undefined,
          retryConfig: body.retry_config,
          metadata: body.metadata,
        },
        now,
      );
      return { status: 201, body: channelJson(row), headers: { Location: `/v1/channels/${row.id}` } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/channels/:id",
    operationId: "getChannel",
    summary: "Get a channel",
    tag,
    permission: "read",
    params: idParams,
    responses: { 200: { description: "The channel", schema: channelOut }, ...errorResponses, ...notFoundResponse },
    async handler({ params, principal, ctx }) {
      const row = await getScoped(ctx.db.orm, channels, principal, params.id);
      if (!row) throw notFound("channel not found");
      return { status: 200, body: channelJson(row) };
    },
  }),
  defineRoute({
    method: "patch",
    path: "/v1/channels/:id",
    operationId: "updateChannel",
    summary: "Update a channel's settings, status or credentials",
    tag,
    permission: "admin",
    params: idParams,
    body: channelUpdate,
    responses: {
      200: { description: "Updated", schema: channelOut },
      ...errorResponses,
      ...notFoundResponse,
      ...conflictResponse,
    },
    async handler({ params, body, principal, ctx, now, traceparent }) {
      const current = await getScoped(ctx.db.orm, channels, principal, params.id);
      if (!current) throw notFound("channel not found");
      const credentials = body.credentials
        ? validCredentials(current.channelType as ChannelType, current.provider, body.credentials)
        : undefined;
      const row = await updateChannel(
        ctx.db,
        credentials ? requireBox(ctx.secretBox) : ctx.secretBox,
        principal,
        params.id,
        {
          name: body.name,
          senderName: body.sender_name,
          rateLimit: body.rate_limit,
          burst: body.burst,
          priority: body.priority,
          isEnabled: body.is_enabled,
          retryConfig: body.retry_config,
          metadata: body.metadata,
          credentials,
          status: body.status as ChannelStatus | undefined,
          statusReason: body.status_reason,
        },
        now,
      );
      if (!row) throw notFound("channel not found");
      await channelUpdated(ctx, row.id, traceparent);
      return { status: 200, body: channelJson(row) };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/v1/channels/:id",
    operationId: "deleteChannel",
    summary: "Delete a channel that no message refers to (disable it otherwise)",
    tag,
    permission: "admin",
    params: idParams,
    responses: { 204: { description: "Deleted" }, ...errorResponses, ...notFoundResponse, ...conflictResponse },
    async handler({ params, principal, ctx, traceparent }) {
      if (!(await deleteScoped(ctx.db.orm, channels, principal, params.id))) throw notFound("channel not found");
      await channelUpdated(ctx, params.id, traceparent);
      return { status: 204 };
    },
  }),
];
