/**
 * The provider side of a read marker: where the conversation's channel takes read receipts
 * (WhatsApp marks the customer's latest message read, Messenger shows it seen), the adapter sends
 * one for the customer's latest message. A refusal does not undo the read marker; the answer says
 * what happened so a client can tell.
 */

import type { ChannelType } from "../../../core/messages/vocabulary.js";
import { sendReadReceipt } from "../../../adapters/registry.js";
import { openCredentials } from "../../../db/channels/repository.js";
import { lastInboundOf } from "../../../db/conversations/threads.js";
import { channels, type ConversationRow } from "../../../db/schema.js";
import { getScoped } from "../../../db/query/crud.js";
import type { Ctx } from "../context.js";

export type ReadReceiptOutcome =
  { outcome: "sent" | "not_supported" | "no_inbound_message" } | { outcome: "failed"; reason: string };

export async function readReceiptFor(ctx: Ctx, conversation: ConversationRow): Promise<ReadReceiptOutcome> {
  const channel = await getScoped(
    ctx.db.orm,
    channels,
    { accountIds: [conversation.accountId] },
    conversation.channelId,
  );
  if (!channel) return { outcome: "failed", reason: "the conversation's channel no longer exists" };
  const target = { channelType: channel.channelType as ChannelType, provider: channel.provider };
  if (!ctx.adapters.get(target.channelType, target.provider).markRead) return { outcome: "not_supported" };
  const latest = await lastInboundOf(ctx.db.orm, conversation.id);
  if (!latest) return { outcome: "no_inbound_message" };
  if (!ctx.secretBox)
    return { outcome: "failed", reason: "no credentials key is configured to open the channel's credentials" };
  return sendReadReceipt(ctx.adapters, target, openCredentials(ctx.secretBox, channel), latest);
}
