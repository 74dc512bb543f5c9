/**
 * The media table: one row per stored object (its bytes are chunks in the media store). Reads are
 * scoped to the caller's accounts, so another account's id answers nothing.
 */

import { and, asc, eq, inArray, lt } from "drizzle-orm";
import type { Orm } from "../client.js";
import { media, type MediaRow } from "../schema.js";

export type NewMedia = Omit<MediaRow, "createdAt"> & { createdAt?: Date };

export async function insertMedia(orm: Orm, row: NewMedia): Promise<MediaRow> {
  const [inserted] = await orm.insert(media).values(row).returning();
  return inserted!;
}

/** Inserts the row unless one with its id exists (a redelivered inbound fetch); true when inserted. */
export async function insertMediaIfAbsent(orm: Orm, row: NewMedia): Promise<boolean> {
  const inserted = await orm.insert(media).values(row).onConflictDoNothing({ target: media.id }).returning();
  return inserted.length > 0;
}

/** The row by id alone, expired or not: whether an inbound object was already fetched. */
export async function mediaExists(orm: Orm, id: string): Promise<boolean> {
  const [row] = await orm.select({ id: media.id }).from(media).where(eq(media.id, id)).limit(1);
  return row !== undefined;
}

/** The row when it belongs to one of `accountIds` and has not expired; undefined otherwise. */
export async function findMedia(orm: Orm, accountIds: string[], id: string, now: Date): Promise<MediaRow | undefined> {
  if (accountIds.length === 0) return undefined;
  const [row] = await orm
    .select()
    .from(media)
    .where(and(eq(media.id, id), inArray(media.accountId, accountIds)))
    .limit(1);
  return row && row.expiresAt > now ? row : undefined;
}

/** The row by id alone, unexpired: for a signed link, whose token already proves the right to it. */
export async function findMediaById(orm: Orm, id: string, now: Date): Promise<MediaRow | undefined> {
  const [row] = await orm.select().from(media).where(eq(media.id, id)).limit(1);
  return row && row.expiresAt > now ? row : undefined;
}

/** Expired rows, oldest expiry first, for the sweep to delete (chunks first, then the row). */
export async function expiredMedia(orm: Orm, now: Date, limit: number): Promise<MediaRow[]> {
  return orm.select().from(media).where(lt(media.expiresAt, now)).orderBy(asc(media.expiresAt)).limit(limit);
}

export async function deleteMediaRow(orm: Orm, id: string): Promise<void> {
  await orm.delete(media).where(eq(media.id, id));
}
