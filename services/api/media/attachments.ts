/**
 * Checks a send's attachments before the send is stored: a media id must be an unexpired object of
 * the same account and within the channel type's limit for its kind; a URL's host must resolve to
 * a public address (the outbound-address rule every tenant-chosen destination follows), since the
 * provider, or our own mailer for e-mail, fetches it. SMPP channels take attachments only with the
 * link fallback. A PATCH that changes a group or scheduled message's attachments is checked the
 * same way (checkChangedAttachments), so an edit cannot carry what a create would refuse.
 */

import { checkedDestination, type OutboundPolicy } from "../../../adapters/contract/outbound-address.js";
import { AppError, badRequest } from "../../../core/errors.js";
import type { AttachmentInput } from "../../../core/media/attachments.js";
import type { MediaFallback } from "../../../core/media/link-fallback.js";
import { mediaKindOf, mediaLimit } from "../../../core/media/limits.js";
import type { ChannelType } from "../../../core/messages/vocabulary.js";
import type { Orm } from "../../../db/client.js";
import { findMedia } from "../../../db/media/media-rows.js";

export async function checkAttachments(
  orm: Orm,
  accountId: string,
  channel: { channelType: string; mediaFallback: MediaFallback },
  attachments: AttachmentInput[] | undefined,
  policy: OutboundPolicy,
  now: Date,
): Promise<void> {
  const channelType = channel.channelType as ChannelType;
  // SMPP carries text only: its attachments can only travel as links, where the channel says so.
  if (channelType === "smpp" && attachments?.length && channel.mediaFallback !== "link")
    throw badRequest(
      "validation_error",
      "channel_options.attachments: SMPP carries no media; set the channel's media_fallback to link to send them as links in the text",
      { field: "channel_options.attachments" },
    );
  for (const [i, a] of (attachments ?? []).entries()) {
    const field = `channel_options.attachments.${i}`;
    if ("media_id" in a) {
      const row = await findMedia(orm, [accountId], a.media_id, now);
      if (!row)
        throw badRequest("invalid_reference", `${field}.media_id: no such media object in this account`, {
          field: `${field}.media_id`,
        });
      // On SMPP the object travels as a link the recipient opens: no provider limit applies.
      const limit = channelType === "smpp" ? Infinity : mediaLimit(channelType, row.contentType);
      if (row.sizeBytes > limit)
        throw new AppError(
          413,
          "media_too_large",
          `${field}: ${row.sizeBytes} bytes is over the ${channelType} ${mediaKindOf(row.contentType)} limit of ${limit}`,
          { field },
        );
      continue;
    }
    try {
      await checkedDestination(new URL(a.url).hostname, policy);
    } catch {
      throw badRequest("attachment_url_forbidden", `${field}.url: the host does not resolve to a public address`, {
        field: `${field}.url`,
      });
    }
  }
}

/**
 * Checks the attachments a PATCH leaves on a group or scheduled message when they differ from the
 * stored ones; unchanged attachments were checked when they were stored.
 */
export async function checkChangedAttachments(
  orm: Orm,
  accountId: string,
  channel: { channelType: string; mediaFallback: MediaFallback },
  before: AttachmentInput[] | undefined,
  after: AttachmentInput[] | undefined,
  policy: OutboundPolicy,
  now: Date,
): Promise<void> {
  if (JSON.stringify(before ?? []) === JSON.stringify(after ?? [])) return;
  await checkAttachments(orm, accountId, channel, after, policy, now);
}
