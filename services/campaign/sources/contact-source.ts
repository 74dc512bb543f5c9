/**
 * Where a campaign's recipients come from: the built-in contacts and contact groups, or the
 * Account API. A cursor is opaque to the caller; null starts at the
 * beginning, and a page whose nextCursor is null is the last.
 */

import type { ContactPage } from "../../../core/campaign/contact.js";

export interface ContactSource {
  readonly name: string;
  page(q: { accountId: string; groupIds: string[] }, cursor: string | null, size: number): Promise<ContactPage>;
}

/** The source failed; the message is safe to log and to show on the campaign. */
export class ContactSourceError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "ContactSourceError";
  }
}
