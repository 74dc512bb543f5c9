/**
 * Media routes: upload an image, document, audio or video (multipart/form-data with a `file` part,
 * or the raw bytes as the body) and read it back. The content type is sniffed from the bytes; the
 * bytes go to the media store (a Dapr output binding) in chunks and are served only to the
 * account that owns them — anyone else gets the same 404 as for an id that never existed.
 */

import type { Readable } from "node:stream";
import { z } from "zod";
import { AppError, notFound } from "../../../core/errors.js";
import { ChannelType } from "../../../core/messages/vocabulary.js";
import { uuidv7 } from "../../../db/ids.js";
import { findMedia, insertMedia } from "../../../db/media/media-rows.js";
import type { MediaRow } from "../../../db/schema.js";
import { accountFor } from "../auth/principal.js";
import type { Ctx } from "../context.js";
import { defineRoute, idParams, type AnyRoute } from "../http/route.js";
import { ingestMedia } from "../../media/ingest.js";
import { multipartFile } from "../media/multipart.js";
import { streamMedia } from "../media/stream.js";
import { errorResponses, errorSchema, iso, notFoundResponse, tsOut, uuid } from "../schemas/common.js";

const uploadQuery = z.strictObject({
  account_id: uuid.optional().describe("Account the object belongs to; defaults to the caller's only account"),
  channel_type: ChannelType.optional().describe(
    "Channel type the object is meant for: its provider's size limit for the sniffed kind is checked at upload",
  ),
  filename: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe("File name for a raw-body upload (multipart takes the part's)"),
});

const mediaOut = z
  .object({
    id: z.uuid(),
    account_id: z.uuid(),
    content_type: z.string().describe("Sniffed from the bytes, not taken from the request"),
    size_bytes: z.number().int(),
    sha256: z.string().describe("Hex SHA-256 of the bytes"),
    filename: z.string().nullable(),
    created_at: tsOut,
    expires_at: tsOut.describe("When the object is deleted (MEDIA_RETENTION_DAYS after upload)"),
  })
  .meta({ id: "Media" });

function mediaJson(r: MediaRow): z.infer<typeof mediaOut> {
  return {
    id: r.id,
    account_id: r.accountId,
    content_type: r.contentType,
    size_bytes: r.sizeBytes,
    sha256: r.sha256,
    filename: r.filename,
    created_at: iso(r.createdAt),
    expires_at: iso(r.expiresAt),
  };
}

function storeOf(ctx: Ctx) {
  if (!ctx.media) throw new AppError(503, "media_store_unavailable", "no media store is configured on this replica");
  return ctx.media;
}

const tag = "media";

export const mediaRoutes: AnyRoute[] = [
  defineRoute({
    method: "post",
    path: "/v1/media",
    operationId: "uploadMedia",
    summary: "Upload an image, document, audio or video (multipart `file` part, or the raw bytes as the body)",
    tag,
    permission: "send",
    query: uploadQuery,
    rawBody: {
      contentType: "application/octet-stream",
      description: "The object's bytes; multipart/form-data with a `file` part is accepted too",
      alsoMultipartFile: true,
    },
    responses: {
      201: { description: "Stored", schema: mediaOut },
      ...errorResponses,
      413: { description: "Larger than MEDIA_MAX_BYTES or the channel type's limit", schema: errorSchema },
      415: { description: "A content type not on the allow-list (sniffed from the bytes)", schema: errorSchema },
      422: { description: "The channel type carries no media of this kind", schema: errorSchema },
      503: { description: "No media store on this replica", schema: errorSchema },
    },
    async handler({ query, principal, ctx, now, req }) {
      const accountId = accountFor(principal, query.account_id);
      const store = storeOf(ctx);
      const maxBytes = ctx.config.MEDIA_MAX_BYTES;
      const declared = req.headers["content-length"] ? Number(req.headers["content-length"]) : undefined;
      let source: Readable = req;
      let filename = query.filename ?? null;
      let declaredBytes = declared;
      let formDone: Promise<void> | undefined;
      if (req.is("multipart/form-data")) {
        // The form's length includes boundaries and other parts: only the whole-object cap applies to it.
        if (declared !== undefined && declared > maxBytes + 64 * 1024)
          throw new AppError(413, "media_too_large", `the media object is larger than ${maxBytes} bytes`, {
            field: "body",
          });
        const part = await multipartFile(req, maxBytes);
        source = part.stream;
        filename = part.filename ?? filename;
        declaredBytes = undefined;
        formDone = part.done;
      }
      const id = uuidv7(now);
      // Leaving the loop early (a refusal) must not destroy the request: that would reset the
      // connection before the client reads the 4xx. The rest of the body is drained instead.
      const stored = await ingestMedia(source.iterator({ destroyOnReturn: false }), {
        store,
        accountId,
        mediaId: id,
        maxBytes,
        channelType: query.channel_type,
        declaredBytes,
      }).catch((err: unknown) => {
        source.resume();
        throw err;
      });
      await formDone;
      const row = await insertMedia(ctx.db.orm, {
        id,
        accountId,
        contentType: stored.contentType,
        sizeBytes: stored.sizeBytes,
        sha256: stored.sha256,
        chunkCount: stored.chunkCount,
        chunkBytes: stored.chunkBytes,
        filename: filename?.slice(0, 255) ?? null,
        source: "upload",
        createdAt: now,
        expiresAt: new Date(now.getTime() + ctx.config.MEDIA_RETENTION_DAYS * 86_400_000),
      });
      return { status: 201, body: mediaJson(row) };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/media/:id",
    operationId: "getMedia",
    summary: "Download a media object (only the owning account; its bytes with the sniffed content type)",
    tag,
    permission: "read",
    params: idParams,
    responses: {
      200: { description: "The bytes; X-Content-SHA256 holds their SHA-256" },
      ...errorResponses,
      ...notFoundResponse,
      503: { description: "No media store on this replica", schema: errorSchema },
    },
    async handler({ params, principal, ctx, now, res }) {
      const store = storeOf(ctx);
      const row = await findMedia(ctx.db.orm, principal.accountIds, params.id, now);
      if (!row) throw notFound("media not found");
      await streamMedia(res, store, row, ctx.logger);
      return { status: 200 };
    },
  }),
];
