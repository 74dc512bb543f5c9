/**
 * Contacts of the messaging database's own contact groups, a page at a time, for a campaign's
 * fan-out. Keyset paging on contact id: each group is read as a range of its primary key
 * (group_id, contact_id) after the cursor, at most one page per group, so a page costs the same
 * at the millionth recipient as at the first; a contact in several of the groups comes once.
 * Members added while the campaign runs are picked up if their id sorts after the cursor (ids
 * are time-ordered, so new contacts usually are).
 *
 * The cursor is never NULL in the statement (the nil UUID stands for "from the start"): under a
 * prepared statement's generic plan, `$3 IS NULL OR contact_id > $3` cannot be an index bound,
 * and every page re-read the group from its first member (350 ms a page at 500K recipients).
 */

import type { ContactPage } from "../../core/campaign/contact.js";
import type { Database } from "../client.js";

const FROM_THE_START = "00000000-0000-0000-0000-000000000000";

export async function groupRecipientsPage(
  db: Database,
  q: { accountId: string; groupIds: string[] },
  cursor: string | null,
  size: number,
): Promise<ContactPage> {
  return db.withSession(async (s) => {
    const { rows } = await s.query<{
      id: string;
      name: string | null;
      email: string | null;
      phone: string | null;
      metadata: Record<string, unknown>;
    }>(
      `SELECT c.id, c.name, c.email, c.phone, c.metadata
           FROM (SELECT DISTINCT g.contact_id
                   FROM unnest($1::uuid[]) AS gid(id)
                   CROSS JOIN LATERAL (
                     SELECT m.contact_id FROM contact_group_members m
                      WHERE m.group_id = gid.id AND m.contact_id > $3::uuid AND m.account_id = $2
                      ORDER BY m.contact_id LIMIT $4) g
                  ORDER BY g.contact_id LIMIT $4) ids
           JOIN contacts c ON c.id = ids.contact_id
          ORDER BY c.id`,
      [q.groupIds, q.accountId, cursor ?? FROM_THE_START, size],
    );
    return { contacts: rows, nextCursor: rows.length < size ? null : rows[rows.length - 1]!.id };
  });
}
