/**
 * Suppression routes: list (the filter grammar), add, get, remove and the streamed CSV import.
 * The rows are the ones the pipeline writes for opt-out keywords, providers' opt-out signals and
 * permanent bounces, so removing one lets the dispatcher and campaigns message the address again.
 */

import { badRequest, notFound } from "../../../core/errors.js";
import { sourceOfReason, suppressionAddress } from "../../../core/messages/suppressions.js";
import { addSuppression, importSuppressions } from "../../../db/contacts/suppressions.js";
import { deleteScoped, getScoped } from "../../../db/query/crud.js";
import { listResource } from "../../../db/query/list.js";
import { contactOptOuts } from "../../../db/schema.js";
import { accountFor } from "../auth/principal.js";
import { csvSuppressionBatches } from "../csv-suppressions.js";
import type { ImportStats } from "../csv-import.js";
import { checkCsvUpload, csvLimits, inImportSlot } from "../http/csv-upload.js";
import { listQuery, pageBody, pageSchema, toListQuery } from "../http/list.js";
import { defineRoute, idParams, type AnyRoute } from "../http/route.js";
import { suppressionsResource } from "../resources.js";
import { errorResponses, errorSchema, notFoundResponse } from "../schemas/common.js";
import {
  suppressionCreate,
  suppressionImportOut,
  suppressionImportQuery,
  suppressionJson,
  suppressionOut,
} from "../schemas/suppressions.js";

const tag = "suppressions";

export const suppressionRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/suppressions",
    operationId: "listSuppressions",
    summary: "List suppressed addresses (opt-outs, provider opt-outs, bounces, complaints, manual)",
    tag,
    permission: "read",
    query: listQuery(suppressionsResource),
    responses: {
      200: { description: "A page of suppressions", schema: pageSchema(suppressionOut) },
      ...errorResponses,
    },
    async handler({ query, principal, ctx }) {
      const q = toListQuery(query, suppressionsResource, ctx.config);
      return {
        status: 200,
        body: pageBody(
          await listResource(ctx.db.orm, suppressionsResource, principal, q, ctx.config.API_COUNT_CAP),
          q,
          suppressionJson,
        ),
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/suppressions",
    operationId: "createSuppression",
    summary:
      "Suppress an address on one channel type or account-wide (200 with the existing row if already suppressed)",
    tag,
    permission: "manage",
    body: suppressionCreate,
    responses: {
      201: { description: "Suppressed", schema: suppressionOut },
      200: { description: "Already suppressed on that scope: the existing row", schema: suppressionOut },
      ...errorResponses,
    },
    async handler({ body, principal, ctx, now }) {
      const a = suppressionAddress(body.scope, body.address);
      if ("error" in a) throw badRequest("validation_error", a.error, { field: "address" });
      const { row, created } = await addSuppression(
        ctx.db,
        accountFor(principal, body.account_id),
        {
          scope: body.scope,
          address: a.address,
          source: sourceOfReason(body.reason),
          reason: body.note ?? null,
          channelId: body.channel_id ?? null,
        },
        now,
      );
      return {
        status: created ? 201 : 200,
        body: suppressionJson(row),
        headers: { Location: `/v1/suppressions/${row.id}` },
      };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/suppressions/:id",
    operationId: "getSuppression",
    summary: "Get a suppression",
    tag,
    permission: "read",
    params: idParams,
    responses: {
      200: { description: "The suppression", schema: suppressionOut },
      ...errorResponses,
      ...notFoundResponse,
    },
    async handler({ params, principal, ctx }) {
      const row = await getScoped(ctx.db.orm, contactOptOuts, principal, params.id);
      if (!row) throw notFound("suppression not found");
      return { status: 200, body: suppressionJson(row) };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/v1/suppressions/:id",
    operationId: "deleteSuppression",
    summary: "Remove a suppression: the address may be messaged again on that scope",
    tag,
    permission: "manage",
    params: idParams,
    responses: { 204: { description: "Removed" }, ...errorResponses, ...notFoundResponse },
    async handler({ params, principal, ctx }) {
      if (!(await deleteScoped(ctx.db.orm, contactOptOuts, principal, params.id)))
        throw notFound("suppression not found");
      return { status: 204 };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/suppressions/import",
    operationId: "importSuppressionsCsv",
    summary: "Import suppressions from a CSV file (streamed; column address, optional scope, reason, note)",
    tag,
    permission: "manage",
    query: suppressionImportQuery,
    rawBody: { contentType: "text/csv", description: "CSV with a header row" },
    responses: {
      200: { description: "Imported", schema: suppressionImportOut },
      ...errorResponses,
      408: { description: "The upload did not arrive within API_CSV_UPLOAD_TIMEOUT_SECONDS", schema: errorSchema },
      413: { description: "File or row count over the limit", schema: errorSchema },
      415: { description: "Not text/csv", schema: errorSchema },
    },
    async handler({ query, principal, ctx, now, req, res }) {
      checkCsvUpload(req, ctx);
      const accountId = accountFor(principal, query.account_id);
      return inImportSlot(ctx, res, accountId, async () => {
        const stats: ImportStats = { rejected: 0, errors: [] };
        const batches = csvSuppressionBatches(req, csvLimits(ctx), stats, { scope: query.scope, reason: query.reason });
        const r = await importSuppressions(ctx.db, accountId, batches, now);
        return {
          status: 200,
          body: {
            added: r.added,
            already_suppressed: r.alreadySuppressed,
            rejected: stats.rejected,
            errors: stats.errors,
          },
        };
      });
    },
  }),
];
