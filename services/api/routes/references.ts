/**
 * Rows a request body refers to must belong to the same account as the row being written. A
 * reference to another account's row reads exactly like one to a row that does not exist, so
 * ids of other tenants cannot be probed.
 */

import { badRequest, conflict } from "../../../core/errors.js";
import type { Orm } from "../../../db/client.js";
import { preferredActiveChannel } from "../../../db/channels/repository.js";
import { existingGroupIds } from "../../../db/contacts/repository.js";
import { getMessage } from "../../../db/messages/repository.js";
import { getScoped } from "../../../db/query/crud.js";
import {
  channels,
  contacts,
  templates,
  type ChannelRow,
  type ContactRow,
  type MessageRow,
  type TemplateRow,
} from "../../../db/schema.js";

const missing = (field: string, what: string) =>
  badRequest("invalid_reference", `${field}: no such ${what} in this account`, { field });

export async function channelRef(orm: Orm, accountId: string, id: string, field = "channel_id"): Promise<ChannelRow> {
  const row = await getScoped(orm, channels, { accountIds: [accountId] }, id);
  if (!row) throw missing(field, "channel");
  return row;
}

/**
 * A message that names only a channel type goes to the account's best channel of that type: the
 * highest `priority` among enabled, active ones. It may fail over to the next one.
 */
export async function channelForType(orm: Orm, accountId: string, channelType: string): Promise<ChannelRow> {
  const row = await preferredActiveChannel(orm, accountId, channelType);
  if (!row) throw conflict("no_active_channel", `no enabled, active ${channelType} channel in this account`);
  return row;
}

/** New work may not be queued on a switched-off or draining channel; paused ones hold it until resumed. */
export function assertChannelAccepts(channel: ChannelRow): void {
  if (!channel.isEnabled || channel.status === "disabled")
    throw conflict("channel_disabled", "the channel is disabled");
  if (channel.status === "draining")
    throw conflict("channel_draining", "the channel is draining and accepts no new messages");
}

export async function templateRef(
  orm: Orm,
  accountId: string,
  id: string,
  field = "template_id",
): Promise<TemplateRow> {
  const row = await getScoped(orm, templates, { accountIds: [accountId] }, id);
  if (!row) throw missing(field, "template");
  if (!row.isActive) throw conflict("template_inactive", "the template is not active");
  return row;
}

export async function contactRef(orm: Orm, accountId: string, id: string, field = "contact_id"): Promise<ContactRow> {
  const row = await getScoped(orm, contacts, { accountIds: [accountId] }, id);
  if (!row) throw missing(field, "contact");
  return row;
}

/** The inbound message a reply answers: one the account received on one of its channels. */
export async function inboundRef(
  orm: Orm,
  accountId: string,
  id: string,
  field = "reply_to_message_id",
): Promise<MessageRow & { channelId: string }> {
  const row = await getMessage(orm, { accountIds: [accountId] }, id);
  if (!row || row.direction !== "inbound" || row.channelId === null) throw missing(field, "inbound message");
  return row as MessageRow & { channelId: string };
}

export async function groupRefs(
  orm: Orm,
  accountId: string,
  ids: string[],
  field = "contact_group_ids",
): Promise<void> {
  const found = await existingGroupIds(orm, { accountIds: [accountId] }, ids);
  const i = ids.findIndex((id) => !found.has(id));
  if (i >= 0) throw missing(`${field}[${i}]`, "contact group");
}
