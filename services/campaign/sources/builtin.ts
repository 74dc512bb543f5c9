import type { ContactPage } from "../../../actors/campaign/campaign-ports.js";
import type { Database } from "../../../db/client.js";
import type { ContactSource } from "./contact-source.js";

/**
 * Contacts of the messaging database's own contact groups. Keyset paging on contact id: each
 * page is an index range scan however deep the campaign is, and a contact in several of the
 * groups comes once. Members added while the campaign runs are picked up if their id sorts
 * after the cursor (ids are time-ordered, so new contacts usually are).
 */
export class BuiltinContactSource implements ContactSource {
  readonly name = "builtin";
  constructor(private readonly db: Database) {}

  async page(q: { accountId: string; groupIds: string[] }, cursor: string | null, size: number): Promise<ContactPage> {
    return this.db.withSession(async (s) => {
      const { rows } = await s.query<{ id: string; name: string | null; email: string | null; phone: string | null; metadata: Record<string, unknown> }>(
        `SELECT c.id, c.name, c.email, c.phone, c.metadata
           FROM (SELECT DISTINCT m.contact_id FROM contact_group_members m
                  WHERE m.group_id = ANY($1::uuid[]) AND m.account_id = $2 AND ($3::uuid IS NULL OR m.contact_id > $3::uuid)
                  ORDER BY m.contact_id LIMIT $4) ids
           JOIN contacts c ON c.id = ids.contact_id
          ORDER BY c.id`,
        [q.groupIds, q.accountId, cursor, size],
      );
      return { contacts: rows, nextCursor: rows.length < size ? null : rows[rows.length - 1]!.id };
    });
  }
}
