/**
 * Turns a message's `options.attachments` into URLs its provider can fetch, just before the
 * provider call: a media id becomes a signed link to GET /media-links/{token} on the API
 * (MEDIA_PUBLIC_BASE_URL, valid MEDIA_LINK_TTL_SECONDS), after checking that the object belongs to
 * the message's account and has not expired; an HTTPS URL is passed on with its kind.
 */

import { SendError } from "../../core/dispatch/send-error.js";
import { urlAttachmentKind, type DispatchAttachment, type AttachmentInput } from "../../core/media/attachments.js";
import { mediaKindOf } from "../../core/media/limits.js";
import { signMediaLink } from "../../core/media/link-token.js";
import type { Database } from "../../db/client.js";
import { findMediaById } from "../../db/media/media-rows.js";

export interface AttachmentLinkDeps {
  db: Database;
  key: Buffer;
  publicBaseUrl?: string;
  ttlMs: number;
  now?: () => Date;
}

export type AttachmentResolver = (
  accountId: string,
  attachments: AttachmentInput[] | undefined,
) => Promise<DispatchAttachment[]>;

const permanent = (code: string, message: string) => new SendError({ kind: "permanent", code, message });

export function attachmentResolver(deps: AttachmentLinkDeps): AttachmentResolver {
  const now = deps.now ?? (() => new Date());
  return async (accountId, attachments) => {
    const out: DispatchAttachment[] = [];
    for (const a of attachments ?? []) {
      if (!("media_id" in a)) {
        const kind = urlAttachmentKind(a.url, a.kind);
        out.push({
          url: a.url,
          kind,
          contentType: null,
          filename: a.filename ?? null,
          sizeBytes: null,
          ...(a.cid ? { cid: a.cid } : {}),
        });
        continue;
      }
      const at = now();
      const row = await findMediaById(deps.db.orm, a.media_id, at);
      if (!row || row.accountId !== accountId)
        throw permanent("media_not_found", "an attachment's media object no longer exists (expired or deleted)");
      if (!deps.publicBaseUrl)
        throw permanent(
          "media_link_unavailable",
          "MEDIA_PUBLIC_BASE_URL is not set: providers cannot fetch stored media",
        );
      const token = signMediaLink(deps.key, row.id, new Date(at.getTime() + deps.ttlMs));
      out.push({
        url: `${deps.publicBaseUrl.replace(/\/$/, "")}/media-links/${token}`,
        kind: mediaKindOf(row.contentType),
        contentType: row.contentType,
        filename: row.filename,
        sizeBytes: row.sizeBytes,
        mediaId: row.id,
        ...(a.cid ? { cid: a.cid } : {}),
      });
    }
    return out;
  };
}
