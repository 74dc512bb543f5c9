/**
 * Contacts and contact groups as the REST layer manages them: create, update, membership, and the
 * streamed CSV import that stages members batch by batch and adds them in one transaction.
 */

import { randomUUID } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database, Orm } from "../client.js";
import { uuidv7 } from "../ids.js";
import { scopeCondition, type Scope } from "../query/list.js";
import { contactGroupMembers, contactGroups, contacts, type ContactGroupRow, type ContactRow } from "../schema.js";
import { getScoped } from "../query/crud.js";

export interface NewContact {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  metadata?: Record<string, unknown>;
}

export async function createContact(orm: Orm, accountId: string, input: NewContact, now: Date): Promise<ContactRow> {
  const [row] = await orm
    .insert(contacts)
    .values({ ...input, metadata: input.metadata ?? {}, id: uuidv7(now), accountId, createdAt: now, updatedAt: now })
    .returning();
  return row!;
}

export async function createContactGroup(
  orm: Orm,
  accountId: string,
  input: { name: string; description?: string | null },
  now: Date,
): Promise<ContactGroupRow> {
  const [row] = await orm
    .insert(contactGroups)
    .values({ ...input, id: uuidv7(now), accountId, createdAt: now, updatedAt: now })
    .returning();
  return row!;
}

/** Recounts members; run in the transaction that changed membership so the count never drifts. */
async function refreshMemberCount(orm: Orm, groupId: string, now: Date): Promise<ContactGroupRow> {
  const [row] = await orm
    .update(contactGroups)
    .set({
      memberCount: sql`(SELECT count(*)::int FROM ${contactGroupMembers} WHERE ${contactGroupMembers.groupId} = ${groupId})`,
      updatedAt: now,
    })
    .where(eq(contactGroups.id, groupId))
    .returning();
  return row!;
}

/**
 * Adds contacts of the group's own account to it; ids of other accounts' contacts (or unknown
 * ids) are skipped and reported back, never linked. Returns undefined when the group is not in scope.
 */
export async function addGroupMembers(
  db: Database,
  scope: Scope,
  groupId: string,
  contactIds: string[],
  now: Date,
): Promise<{ group: ContactGroupRow; added: number; unknown: string[] } | undefined> {
  return db.transaction(async ({ orm: tx }) => {
    const group = await getScoped(tx, contactGroups, scope, groupId);
    if (!group) return undefined;
    const found = await tx
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(inArray(contacts.id, contactIds), eq(contacts.accountId, group.accountId)));
    const known = new Set(found.map((r) => r.id));
    const inserted =
      known.size === 0
        ? []
        : await tx
            .insert(contactGroupMembers)
            .values([...known].map((contactId) => ({ groupId, contactId, accountId: group.accountId, createdAt: now })))
            .onConflictDoNothing()
            .returning({ id: contactGroupMembers.contactId });
    const updated = await refreshMemberCount(tx, groupId, now);
    return { group: updated, added: inserted.length, unknown: contactIds.filter((id) => !known.has(id)) };
  });
}

export async function removeGroupMember(
  db: Database,
  scope: Scope,
  groupId: string,
  contactId: string,
  now: Date,
): Promise<boolean | undefined> {
  return db.transaction(async ({ orm: tx }) => {
    const group = await getScoped(tx, contactGroups, scope, groupId);
    if (!group) return undefined;
    const removed = await tx
      .delete(contactGroupMembers)
      .where(and(eq(contactGroupMembers.groupId, groupId), eq(contactGroupMembers.contactId, contactId)))
      .returning({ id: contactGroupMembers.contactId });
    await refreshMemberCount(tx, groupId, now);
    return removed.length > 0;
  });
}

/** Rows one statement moves from the staging table into contacts (well inside the statement timeout). */
const MOVE_CHUNK = 10_000;
/** Staged rows older than this belong to an import that died; the next import removes them. */
const STALE_STAGING_MS = 24 * 3_600_000;
const NO_ID = "00000000-0000-0000-0000-000000000000";

/**
 * Streams contacts into a group without holding a transaction while the client uploads: each
 * batch is staged in contact_import_rows in a statement of its own (a slow upload holds no
 * connection between batches), then one transaction moves the staged rows into contacts and the
 * group in chunks. A file that breaks half way (malformed CSV, size limit, deadline) leaves
 * nothing behind: its staged rows are deleted and nothing was moved. Memory holds one batch.
 */
export async function importContactsIntoGroup(
  db: Database,
  scope: Scope,
  groupId: string,
  batches: AsyncIterable<NewContact[]>,
  now: Date,
): Promise<{ group: ContactGroupRow; imported: number } | undefined> {
  if (!(await getScoped(db.orm, contactGroups, scope, groupId))) return undefined;
  const importId = randomUUID();
  try {
    await db.orm.execute(
      sql`DELETE FROM contact_import_rows WHERE created_at < ${new Date(now.getTime() - STALE_STAGING_MS).toISOString()}::timestamptz`,
    );
    for await (const batch of batches) {
      if (batch.length === 0) continue;
      // One statement per batch with column arrays: a handful of parameters instead of thousands.
      await db.orm.execute(sql`
        INSERT INTO contact_import_rows (import_id, id, name, email, phone, metadata, created_at)
        SELECT ${importId}::uuid, u.id, u.name, u.email, u.phone, u.metadata::jsonb, ${now.toISOString()}::timestamptz
          FROM unnest(${sql.param(batch.map(() => uuidv7(now)))}::uuid[], ${sql.param(batch.map((c) => c.name ?? null))}::text[],
                      ${sql.param(batch.map((c) => c.email ?? null))}::text[], ${sql.param(batch.map((c) => c.phone ?? null))}::text[],
                      ${sql.param(batch.map((c) => JSON.stringify(c.metadata ?? {})))}::text[])
               AS u(id, name, email, phone, metadata)`);
    }
    return await db.transaction(async (tx) => {
      const group = await getScoped(tx.orm, contactGroups, scope, groupId);
      if (!group) return undefined;
      let imported = 0;
      let after = NO_ID;
      for (;;) {
        const moved = await tx.query<{ id: string }>(
          `WITH s AS (SELECT id, name, email, phone, metadata FROM contact_import_rows
                       WHERE import_id = $1 AND id > $2 ORDER BY id LIMIT $3),
                c AS (INSERT INTO contacts (id, account_id, name, email, phone, metadata, created_at, updated_at)
                      SELECT s.id, $4, s.name, s.email, s.phone, s.metadata, $5, $5 FROM s RETURNING id)
           INSERT INTO contact_group_members (group_id, contact_id, account_id, created_at)
           SELECT $6, c.id, $4, $5 FROM c RETURNING contact_id AS id`,
          [importId, after, MOVE_CHUNK, group.accountId, now, groupId],
        );
        if (moved.rows.length === 0) break;
        imported += moved.rows.length;
        after = moved.rows.reduce((max, r) => (r.id > max ? r.id : max), after);
      }
      await tx.query(`DELETE FROM contact_import_rows WHERE import_id = $1`, [importId]);
      return { group: await refreshMemberCount(tx.orm, groupId, now), imported };
    });
  } catch (err) {
    await db.orm
      .execute(sql`DELETE FROM contact_import_rows WHERE import_id = ${importId}::uuid`)
      .catch(() => undefined);
    throw err;
  }
}

/** Groups among `ids` that belong to the scope; used to validate references in request bodies. */
export async function existingGroupIds(orm: Orm, scope: Scope, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await orm
    .select({ id: contactGroups.id })
    .from(contactGroups)
    .where(and(inArray(contactGroups.id, ids), scopeCondition(contactGroups.accountId, scope)));
  return new Set(rows.map((r) => r.id));
}

/** Distinct contacts across groups: the recipient count of a group message. */
export async function countGroupRecipients(orm: Orm, groupIds: string[]): Promise<number> {
  if (groupIds.length === 0) return 0;
  const [row] = await orm
    .select({ n: sql<number>`count(DISTINCT ${contactGroupMembers.contactId})::int` })
    .from(contactGroupMembers)
    .where(inArray(contactGroupMembers.groupId, groupIds));
  return Number(row?.n ?? 0);
}
