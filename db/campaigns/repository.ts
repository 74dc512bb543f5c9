/**
 * The REST layer's reads and writes of group messages (campaigns); the fan-out's own SQL is in
 * campaign-store.ts.
 */

import { conflict } from "../../core/errors.js";
import type { ChannelOptions } from "../../core/messages/channel-options.js";
import type { Database, Orm } from "../client.js";
import { uuidv7 } from "../ids.js";
import type { Scope } from "../query/list.js";
import { groupMessages, type GroupMessageRow } from "../schema.js";
import { GROUP_MESSAGE_TRANSITIONS, type GroupMessageStatus } from "../../core/messages/lifecycle.js";
import { getScoped, updateScoped } from "../query/crud.js";
import { transitionRow, type Transitioned } from "../query/transitions.js";

export interface NewGroupMessage {
  accountId: string;
  name?: string | null;
  channelId: string;
  templateId?: string | null;
  messageBody?: string | null;
  status: Extract<GroupMessageStatus, "draft" | "queued">;
  contactGroupIds: string[];
  totalRecipients: number;
  customValues?: Record<string, string>;
  metadata?: Record<string, unknown>;
  /** Validated for the channel's type by the caller (core/messages/channel-options.ts). */
  channelOptions?: ChannelOptions;
}

export type GroupMessagePatch = Partial<
  Pick<
    NewGroupMessage,
    | "name"
    | "templateId"
    | "messageBody"
    | "contactGroupIds"
    | "totalRecipients"
    | "customValues"
    | "metadata"
    | "channelOptions"
  >
>;

export async function createGroupMessage(orm: Orm, input: NewGroupMessage, now: Date): Promise<GroupMessageRow> {
  const [row] = await orm
    .insert(groupMessages)
    .values({
      ...input,
      id: uuidv7(now),
      customValues: input.customValues ?? {},
      metadata: input.metadata ?? {},
      queuedAt: input.status === "queued" ? now : null,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return row!;
}

/** Content can change only while the group message is a draft: once queued, recipients are being fanned out. */
export async function updateGroupMessage(
  db: Database,
  scope: Scope,
  id: string,
  patch: GroupMessagePatch,
  now: Date,
): Promise<GroupMessageRow | undefined> {
  return db.transaction(async (tx) => {
    const current = await getScoped(tx.orm, groupMessages, scope, id);
    if (!current) return undefined;
    if (current.status !== "draft" && Object.keys(patch).length > 0) {
      throw conflict("invalid_state", `a ${current.status} group message cannot be edited; only draft ones can`);
    }
    return updateScoped(tx.orm, groupMessages, scope, id, { ...patch, updatedAt: now });
  });
}

export function transitionGroupMessage(
  db: Database,
  scope: Scope,
  id: string,
  to: GroupMessageStatus,
  now: Date,
): Promise<Transitioned<GroupMessageRow> | undefined> {
  return transitionRow(db, groupMessages, GROUP_MESSAGE_TRANSITIONS, scope, id, to, () => ({
    updatedAt: now,
    ...(to === "queued" ? { queuedAt: now } : {}),
    ...(to === "processing" ? { startedAt: now } : {}),
    ...(["completed", "partially_failed", "failed", "cancelled"].includes(to) ? { completedAt: now } : {}),
  }));
}
