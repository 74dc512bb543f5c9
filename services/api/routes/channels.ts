/**
 * Channel routes: create and update with the provider's own credentials schema (secret fields
 * write-only, masked in answers) and the provider's answer to them, status changes (pause, resume,
 * drain), and the webhook URL and setup steps.
 */

import { z } from "zod";
import { channelStatusCallback, type CallbackEvent } from "../../../core/callbacks/events.js";
import { AppError, badRequest, notFound } from "../../../core/errors.js";
import type { ChannelType } from "../../../core/messages/vocabulary.js";
import { providerKey } from "../../../adapters/contract/plugin.js";
import { credentialKind, providerKeys, verifyChannelCredentials } from "../../../adapters/registry.js";
import { listResource } from "../../../db/query/list.js";
import { channelsResource } from "../resources.js";
import { createChannel, updateChannel } from "../../../db/channels/repository.js";
import { deleteScoped, getScoped } from "../../../db/query/crud.js";
import { channels } from "../../../db/schema.js";
import type { SecretBox } from "../../../db/secret-box.js";
import type { ChannelStatus } from "../../../core/messages/lifecycle.js";
import { accountFor } from "../auth/principal.js";
import { listQuery, pageBody, pageSchema, toListQuery } from "../http/list.js";
import { defineRoute, idParams, type AnyRoute, type Reply } from "../http/route.js";
import { parseWith } from "../http/validation.js";
import { channelUpdated, stagedCallbacksCommitted } from "../publish.js";
import { channelCreate, channelJson, channelOut, channelUpdate } from "../schemas/channels.js";
import { conflictResponse, errorResponses, errorSchema, notFoundResponse } from "../schemas/common.js";
import type { Ctx } from "../context.js";

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

/** When the provider names no Retry-After for an outage, ask the client to come back after this. */
const DEFAULT_RETRY_AFTER_SECONDS = 30;

const verifyQuery = z.object({
  verify: z
    .enum(["true", "false"])
    .default("true")
    .describe(
      "false: store the credentials without asking the provider whether it accepts them (offline setups); their shape is checked either way",
    ),
});

const credentialResponses = {
  422: {
    description: "The provider refused the credentials (code invalid_credentials); the detail names its reason",
    schema: errorSchema,
  },
  503: {
    description:
      "The provider could not be reached to check the credentials (code provider_unavailable; see Retry-After, or send verify=false), or no credentials encryption key is configured (code credentials_key_missing)",
    schema: errorSchema,
  },
} as const;

/**
 * Asks the provider whether it accepts the credentials before they are stored (getMe, an account
 * or balance look-up, an SMTP login, an SMPP bind). Undefined when it does; otherwise the answer
 * to send: 422 with the provider's reason when it refused them, 503 with Retry-After when it gave
 * no answer (an outage says nothing about the credentials). Reasons never carry a secret.
 */
async function credentialRefusal(
  ctx: Ctx,
  channel: { channelType: ChannelType; provider: string },
  credentials: Record<string, unknown>,
): Promise<Reply | undefined> {
  const verdict = await verifyChannelCredentials(ctx.adapters, channel, credentials);
  const who = providerKey(channel);
  if (verdict.outcome === "valid") return undefined;
  if (verdict.outcome === "invalid") {
    return {
      status: 422,
      body: {
        detail: `${who} refused the credentials (${verdict.code}): ${verdict.reason}`,
        code: "invalid_credentials",
        field: "credentials",
      },
    };
  }
  const retryAfter =
    verdict.retryAfterMs !== null ? Math.ceil(verdict.retryAfterMs / 1000) : DEFAULT_RETRY_AFTER_SECONDS;
  return {
    status: 503,
    headers: { "Retry-After": String(Math.max(1, retryAfter)) },
    body: {
      detail: `${who} could not be asked about the credentials (${verdict.code}: ${verdict.reason}); try again later, or send verify=false to store them unchecked`,
      code: "provider_unavailable",
    },
  };
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
    query: listQuery(channelsResource),
    responses: { 200: { description: "A page of channels", schema: pageSchema(channelOut) }, ...errorResponses },
    async handler({ query, principal, ctx }) {
      const q = toListQuery(query, channelsResource, ctx.config);
      const result = await listResource(ctx.db.orm, channelsResource, principal, q, ctx.config.API_COUNT_CAP);
      return { status: 200, body: pageBody(result, q, (r) => channelJson(r, ctx.secretBox)) };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/channels",
    operationId: "createChannel",
    summary:
      "Create a channel (credentials are checked with the provider unless verify=false, encrypted and never returned)",
    tag,
    permission: "admin",
    query: verifyQuery,
    body: channelCreate,
    responses: {
      201: { description: "Created", schema: channelOut },
      ...errorResponses,
      ...conflictResponse,
      ...credentialResponses,
    },
    async handler({ query, body, principal, ctx, now }) {
      const provider = body.provider ?? (body.channel_type === "sms" ? "" : "default");
      const credentials = validCredentials(body.channel_type, provider, body.credentials);
      const box = requireBox(ctx.secretBox);
      if (query.verify === "true") {
        const refusal = await credentialRefusal(ctx, { channelType: body.channel_type, provider }, credentials);
        if (refusal) return refusal;
      }
      const row = await createChannel(
        ctx.db.orm,
        box,
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
          mediaFallback: body.media_fallback,
        },
        now,
      );
      return { status: 201, body: channelJson(row, ctx.secretBox), headers: { Location: `/v1/channels/${row.id}` } };
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
      return { status: 200, body: channelJson(row, ctx.secretBox) };
    },
  }),
  defineRoute({
    method: "patch",
    path: "/v1/channels/:id",
    operationId: "updateChannel",
    summary:
      "Update a channel's settings, status or credentials (new credentials are checked with the provider unless verify=false)",
    tag,
    permission: "admin",
    params: idParams,
    query: verifyQuery,
    body: channelUpdate,
    responses: {
      200: { description: "Updated", schema: channelOut },
      ...errorResponses,
      ...notFoundResponse,
      ...conflictResponse,
      ...credentialResponses,
    },
    async handler({ params, query, body, principal, ctx, now, traceparent }) {
      const current = await getScoped(ctx.db.orm, channels, principal, params.id);
      if (!current) throw notFound("channel not found");
      const channelType = current.channelType as ChannelType;
      const credentials = body.credentials
        ? validCredentials(channelType, current.provider, body.credentials)
        : undefined;
      if (credentials && query.verify === "true") {
        requireBox(ctx.secretBox);
        const refusal = await credentialRefusal(ctx, { channelType, provider: current.provider }, credentials);
        if (refusal) return refusal;
      }
      let statusEvent: CallbackEvent | undefined;
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
          mediaFallback: body.media_fallback,
          credentials,
          status: body.status as ChannelStatus | undefined,
          statusReason: body.status_reason,
        },
        now,
        (changed) => (statusEvent = channelStatusCallback(changed.accountId, changed.id, changed.status, now)),
      );
      if (!row) throw notFound("channel not found");
      await channelUpdated(ctx, row.id, traceparent);
      if (statusEvent) await stagedCallbacksCommitted(ctx, [statusEvent]);
      return { status: 200, body: channelJson(row, ctx.secretBox) };
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
