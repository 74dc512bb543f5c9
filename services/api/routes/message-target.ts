/**
 * Where a new message goes: the channel it names, the account's best channel of the type it names
 * (failing over to the next one of that type), or for a reply the channel, sender and
 * conversation of the inbound message it answers; naming another channel or address beside a
 * reply is refused.
 */

import { badRequest } from "../../../core/errors.js";
import type { ChannelType } from "../../../core/messages/vocabulary.js";
import { normaliseAddress } from "../../../core/webhooks/opt-out.js";
import type { Orm } from "../../../db/client.js";
import type { ChannelRow, MessageRow } from "../../../db/schema.js";
import { channelForType, channelRef, inboundRef } from "./references.js";

export interface MessageTarget {
  channel: ChannelRow;
  channelType: ChannelType;
  deliveryAddress: string;
  /** Only a type was named: the platform picked the channel and may move the message to another. */
  byType: boolean;
  /** The inbound message a reply answers. */
  inbound?: MessageRow & { channelId: string };
}

interface TargetFields {
  reply_to_message_id?: string;
  channel_id?: string;
  channel_type?: ChannelType;
  delivery_address?: string;
}

export async function messageTarget(tx: Orm, accountId: string, body: TargetFields): Promise<MessageTarget> {
  if (body.reply_to_message_id !== undefined) {
    const inbound = await inboundRef(tx, accountId, body.reply_to_message_id);
    const channel = await channelRef(tx, accountId, inbound.channelId, "reply_to_message_id");
    const channelType = channel.channelType as ChannelType;
    assertReplyFits(body, channel.id, channelType, inbound.deliveryAddress);
    return { channel, channelType, deliveryAddress: inbound.deliveryAddress, byType: false, inbound };
  }
  const byType = body.channel_id === undefined;
  const channel = byType
    ? await channelForType(tx, accountId, body.channel_type!)
    : await channelRef(tx, accountId, body.channel_id!);
  return { channel, channelType: channel.channelType as ChannelType, deliveryAddress: body.delivery_address!, byType };
}

/** A reply goes back where the inbound message came from. */
function assertReplyFits(body: TargetFields, channelId: string, channelType: ChannelType, sender: string): void {
  const refuse = (field: string, detail: string) => badRequest("validation_error", `${field}: ${detail}`, { field });
  if (body.channel_id !== undefined && body.channel_id !== channelId)
    throw refuse("channel_id", "a reply goes through the channel the inbound message came in on");
  if (body.channel_type !== undefined && body.channel_type !== channelType)
    throw refuse("channel_type", `the inbound message came in on a ${channelType} channel`);
  if (
    body.delivery_address !== undefined &&
    normaliseAddress(channelType, body.delivery_address) !== normaliseAddress(channelType, sender)
  )
    throw refuse("delivery_address", "a reply goes to the sender of the inbound message");
}
