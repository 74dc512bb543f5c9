/**
 * Request and response schemas of /v1/suppressions: addresses the account must not message, on one
 * channel type's scope or account-wide, with the reason they were suppressed.
 */

import { z } from "zod";
import {
  SUPPRESSION_REASONS,
  SUPPRESSION_SCOPES,
  reasonOfSource,
  type SuppressionSource,
} from "../../../core/messages/suppressions.js";
import type { SuppressionRow } from "../../../db/schema.js";
import { accountId, iso, text, tsOut, uuid } from "./common.js";

const scope = z
  .enum(SUPPRESSION_SCOPES)
  .describe(
    "all: every channel of the account (a phone number or an e-mail address); otherwise one channel type (sms covers every SMS provider and SMPP)",
  );
const reason = z
  .enum(SUPPRESSION_REASONS)
  .describe(
    "opt_out_keyword: the recipient sent STOP or the like; provider_opt_out: the provider reported an opt-out or a block; hard_bounce: a permanent e-mail bounce; complaint: a spam complaint; manual: the account's own decision",
  );

export const suppressionCreate = z
  .strictObject({
    account_id: accountId,
    address: text(255).describe("Phone number, e-mail address, Telegram chat id or Messenger PSID"),
    scope: scope.default("all"),
    reason: reason.default("manual"),
    note: text(1000).nullable().optional().describe("Why, in the account's words"),
    channel_id: uuid.nullable().optional().describe("The channel it came from, if any"),
  })
  .meta({ examples: [{ address: "+251911000123", scope: "all", reason: "manual", note: "asked by phone" }] });

export const suppressionOut = z
  .object({
    id: z.uuid(),
    account_id: z.uuid(),
    scope,
    address: z.string().describe("The address in the form messages store it"),
    reason,
    note: z
      .string()
      .nullable()
      .describe("The keyword, the provider's code, the bounce's diagnostic, or the account's note"),
    contact_id: z.uuid().nullable(),
    channel_id: z.uuid().nullable().describe("The channel that reported it"),
    created_at: tsOut,
  })
  .meta({ id: "Suppression" });

export function suppressionJson(r: SuppressionRow): z.infer<typeof suppressionOut> {
  return {
    id: r.id,
    account_id: r.accountId,
    scope: r.channelScope as z.infer<typeof scope>,
    address: r.address,
    reason: reasonOfSource(r.source as SuppressionSource),
    note: r.reason,
    contact_id: r.contactId,
    channel_id: r.channelId,
    created_at: iso(r.createdAt),
  };
}

export const suppressionImportQuery = z.strictObject({
  account_id: accountId,
  scope: scope.default("all").describe("Scope of rows without a scope column"),
  reason: reason.default("manual").describe("Reason of rows without a reason column"),
});

export const suppressionImportOut = z.object({
  added: z.number().int(),
  already_suppressed: z
    .number()
    .int()
    .describe("Rows whose address was already suppressed on that scope (or twice in the file)"),
  rejected: z.number().int(),
  errors: z.array(z.object({ line: z.number().int(), detail: z.string() })).describe("The first 100 rejected rows"),
});
