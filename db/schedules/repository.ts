/**
 * The REST layer's reads and writes of scheduled messages; what a trigger creates is in
 * schedule-store.ts.
 */

import { and, eq, inArray, sql } from "drizzle-orm";
import { badRequest, conflict } from "../../core/errors.js";
import type { ChannelOptions } from "../../core/messages/channel-options.js";
import type { Database, Orm } from "../client.js";
import { uuidv7 } from "../ids.js";
import type { Scope } from "../query/list.js";
import { scheduledMessages, type ScheduledMessageRow } from "../schema.js";
import { SCHEDULED_MESSAGE_TRANSITIONS, type ScheduledMessageStatus } from "../../core/messages/lifecycle.js";
import { getScoped, updateScoped } from "../query/crud.js";
import { transitionRow, type Transitioned } from "../query/transitions.js";

export interface NewScheduledMessage {
  accountId: string;
  name?: string | null;
  channelId: string;
  templateId?: string | null;
  messageBody?: string | null;
  sendType: "single" | "group";
  deliveryAddress?: string | null;
  contactId?: string | null;
  contactGroupIds?: string[];
  customValues?: Record<string, string>;
  scheduledAt: Date;
  timezone?: string;
  isRecurring?: boolean;
  recurrenceRule?: string | null;
  recurrenceEndAt?: Date | null;
  recurrenceMaxCount?: number | null;
  metadata?: Record<string, unknown>;
  /** Validated for the channel's type by the caller (core/messages/channel-options.ts). */
  channelOptions?: ChannelOptions;
}

export type ScheduledMessagePatch = Partial<Omit<NewScheduledMessage, "accountId" | "sendType">>;

export async function createScheduledMessage(
  orm: Orm,
  input: NewScheduledMessage,
  now: Date,
): Promise<ScheduledMessageRow> {
  const [row] = await orm
    .insert(scheduledMessages)
    .values({
      ...input,
      id: uuidv7(now),
      status: "pending",
      contactGroupIds: input.contactGroupIds ?? [],
      customValues: input.customValues ?? {},
      metadata: input.metadata ?? {},
      // The first trigger is the scheduled time; the trigger service computes later ones from the rule.
      nextTriggerAt: input.scheduledAt,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return row!;
}

/** Recurring schedules of an account that may still fire (pending or paused). */
export async function countActiveRecurring(orm: Orm, accountId: string): Promise<number> {
  const [row] = await orm
    .select({ n: sql<number>`count(*)::int` })
    .from(scheduledMessages)
    .where(
      and(
        eq(scheduledMessages.accountId, accountId),
        eq(scheduledMessages.isRecurring, true),
        inArray(scheduledMessages.status, ["pending", "paused"]),
      ),
    );
  return Number(row?.n ?? 0);
}

/**
 * Creates a schedule, refusing a recurring one when the account already holds `maxActiveRecurring`
 * that may still fire. Count and insert run under a per-account transaction lock: without it, ten
 * concurrent creates against a cap of 3 stored 8 (each counted before the others committed).
 */
export async function createScheduledWithinCap(
  db: Database,
  input: NewScheduledMessage,
  now: Date,
  maxActiveRecurring: number,
): Promise<ScheduledMessageRow> {
  if (!input.isRecurring) return createScheduledMessage(db.orm, input, now);
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`recurring-cap:${input.accountId}`]);
    if ((await countActiveRecurring(tx.orm, input.accountId)) >= maxActiveRecurring)
      throw badRequest(
        "too_many_schedules",
        `an account may hold at most ${maxActiveRecurring} active recurring schedules; cancel one first`,
        { field: "is_recurring" },
      );
    return createScheduledMessage(tx.orm, input, now);
  });
}

const EDITABLE: readonly ScheduledMessageStatus[] = ["pending", "paused"];

export async function updateScheduledMessage(
  db: Database,
  scope: Scope,
  id: string,
  patch: ScheduledMessagePatch,
  now: Date,
): Promise<ScheduledMessageRow | undefined> {
  return db.transaction(async (tx) => {
    const current = await getScoped(tx.orm, scheduledMessages, scope, id);
    if (!current) return undefined;
    if (!EDITABLE.includes(current.status as ScheduledMessageStatus)) {
      throw conflict(
        "invalid_state",
        `a ${current.status} scheduled message cannot be edited; only pending or paused ones can`,
      );
    }
    const set: Partial<typeof scheduledMessages.$inferInsert> = { ...patch, updatedAt: now };
    if (patch.scheduledAt) set.nextTriggerAt = patch.scheduledAt;
    return updateScoped(tx.orm, scheduledMessages, scope, id, set);
  });
}

export function transitionScheduledMessage(
  db: Database,
  scope: Scope,
  id: string,
  to: ScheduledMessageStatus,
  now: Date,
): Promise<Transitioned<ScheduledMessageRow> | undefined> {
  return transitionRow(db, scheduledMessages, SCHEDULED_MESSAGE_TRANSITIONS, scope, id, to, () => ({ updatedAt: now }));
}

const EDITABLE_DELETE: readonly ScheduledMessageStatus[] = ["pending", "paused", "cancelled", "completed", "failed"];
export function canDeleteScheduled(status: string): boolean {
  return EDITABLE_DELETE.includes(status as ScheduledMessageStatus);
}
