/**
 * The channel options a PATCH of a group or scheduled message leaves, with changed attachments
 * checked as a create checks them. Both routes share it so the two edits cannot drift apart.
 */

import type { OutboundPolicy } from "../../../adapters/contract/outbound-address.js";
import type { ChannelType } from "../../../core/messages/vocabulary.js";
import type { Orm } from "../../../db/client.js";
import { checkChangedAttachments } from "../media/attachments.js";
import { channelRef } from "./references.js";
import { patchedChannelOptions } from "./send-content.js";

type Options = NonNullable<ReturnType<typeof patchedChannelOptions>>;

/** The new options (undefined: unchanged); throws the 4xx a create would for bad attachments. */
export async function checkedPatchedOptions(
  orm: Orm,
  current: { accountId: string; channelId: string; channelOptions: Options },
  given: { channel_options?: Record<string, unknown>; metadata?: Record<string, unknown> },
  policy: OutboundPolicy,
  now: Date,
): Promise<Options | undefined> {
  const channel = await channelRef(orm, current.accountId, current.channelId);
  const next = patchedChannelOptions(
    channel.channelType as ChannelType,
    current.channelOptions,
    given.channel_options,
    given.metadata,
  );
  await checkChangedAttachments(
    orm,
    current.accountId,
    channel,
    current.channelOptions.attachments,
    next?.attachments,
    policy,
    now,
  );
  return next;
}
