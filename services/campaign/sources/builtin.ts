/**
 * Contacts of the messaging database's own contact groups, paged by contact id
 * (db/contacts/group-recipients.ts has the query and why it pages that way).
 */

import type { ContactPage } from "../../../core/campaign/contact.js";
import type { Database } from "../../../db/client.js";
import { groupRecipientsPage } from "../../../db/contacts/group-recipients.js";
import type { ContactSource } from "./contact-source.js";

export class BuiltinContactSource implements ContactSource {
  readonly name = "builtin";
  constructor(private readonly db: Database) {}

  async page(q: { accountId: string; groupIds: string[] }, cursor: string | null, size: number): Promise<ContactPage> {
    return groupRecipientsPage(this.db, q, cursor, size);
  }
}
