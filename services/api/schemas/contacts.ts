/**
 * Request and response schemas of the contact endpoints (zod): they validate requests and are the
 * schemas of the OpenAPI document.
 */

import { z } from "zod";
import type { ContactOptOut } from "../../../db/contacts/opt-outs.js";
import type { ContactGroupRow, ContactRow } from "../../../db/schema.js";
import { accountId, contactMetadata, iso, name, nonEmpty, tsOut, uuid } from "./common.js";

export const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ()-]{2,31}$/, { error: "must be a phone number (digits, optional leading +)" })
  // The rule holds after trimming: a value that ends in spaces is checked without them, so the
  // published pattern asks for a last character that is not a space.
  .meta({ pattern: "^\\+?[0-9][0-9 ()-]{1,30}[0-9()-]$" });
export const email = z.email({ error: "must be an e-mail address" }).max(255);

const contactFields = {
  name: z.string().trim().max(255).nullable().optional(),
  email: email.nullable().optional(),
  phone: phone.nullable().optional(),
  metadata: contactMetadata.optional().describe("Extra fields, available to templates as {KEY}"),
};

export const contactCreate = z
  .strictObject({ account_id: accountId, ...contactFields })
  .refine((c) => Boolean(c.name || c.email || c.phone), {
    error: "a contact needs a name, email or phone",
    path: ["name"],
  })
  .meta({
    // The same rule for the document: a name with a visible character, an e-mail or a phone.
    anyOf: [
      { required: ["name"], properties: { name: { type: "string", pattern: "\\S" } } },
      { required: ["email"], properties: { email: { type: "string" } } },
      { required: ["phone"], properties: { phone: { type: "string" } } },
    ],
    examples: [
      { name: "Abebe Kebede", phone: "+251911234567", email: "abebe@example.com", metadata: { CITY: "Adama" } },
    ],
  });
export const contactUpdate = nonEmpty(z.strictObject(contactFields));

export const contactOut = z
  .object({
    id: z.uuid(),
    account_id: z.uuid(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: tsOut,
    updated_at: tsOut,
  })
  .meta({ id: "Contact" });

export const optOutOut = z.object({
  channel_scope: z
    .enum(["all", "sms", "whatsapp", "telegram", "messenger", "email"])
    .describe("Where it applies: sms covers every SMS provider and SMPP; all, every channel of the account"),
  address: z.string().describe("The address as messages store it"),
  source: z
    .enum(["keyword", "provider", "api", "bounce", "complaint", "manual"])
    .describe(
      "keyword: the contact sent STOP or the like; provider: the provider reported an opt-out, a block or a spam complaint; bounce: a permanent e-mail bounce suppressed the address; complaint: a spam complaint recorded through /v1/suppressions; manual (api in older rows): the account suppressed it (/v1/suppressions)",
    ),
  reason: z.string().nullable().describe("The keyword, the provider's code, or the bounce's code and diagnostic"),
  channel_id: z.uuid().nullable().describe("The channel that reported it"),
  created_at: tsOut,
});

export const contactDetailOut = contactOut.extend({
  opt_outs: z
    .array(optOutOut)
    .describe(
      "Opt-outs and suppressions on the contact's addresses: single sends to them fail (opted_out, suppressed_bounce, suppressed) and campaigns skip them",
    ),
});

export function contactDetailJson(r: ContactRow, optOuts: ContactOptOut[]): z.infer<typeof contactDetailOut> {
  return {
    ...contactJson(r),
    opt_outs: optOuts.map((o) => ({
      channel_scope: o.scope,
      address: o.address,
      source: o.source,
      reason: o.reason,
      channel_id: o.channelId,
      created_at: iso(o.createdAt),
    })),
  };
}

export function contactJson(r: ContactRow): z.infer<typeof contactOut> {
  return {
    id: r.id,
    account_id: r.accountId,
    name: r.name,
    email: r.email,
    phone: r.phone,
    metadata: r.metadata,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

export const groupCreate = z
  .strictObject({
    account_id: accountId,
    name,
    description: z.string().max(10_000).nullable().optional(),
  })
  .meta({ examples: [{ name: "Newsletter subscribers", description: "Signed up on the website" }] });
export const groupUpdate = nonEmpty(
  z.strictObject({ name: name.optional(), description: z.string().max(10_000).nullable().optional() }),
);

export const groupOut = z
  .object({
    id: z.uuid(),
    account_id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    member_count: z.number().int(),
    created_at: tsOut,
    updated_at: tsOut,
  })
  .meta({ id: "ContactGroup" });

export function groupJson(r: ContactGroupRow): z.infer<typeof groupOut> {
  return {
    id: r.id,
    account_id: r.accountId,
    name: r.name,
    description: r.description,
    member_count: r.memberCount,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

export const membersAdd = z.strictObject({ contact_ids: z.array(uuid).min(1).max(1000) });
export const membersOut = z.object({
  group: groupOut,
  added: z.number().int(),
  unknown_contact_ids: z.array(z.uuid()),
});
export const memberParams = z.strictObject({ id: uuid, contactId: uuid });

export const importOut = z.object({
  group: groupOut,
  imported: z.number().int(),
  rejected: z.number().int(),
  errors: z.array(z.object({ line: z.number().int(), detail: z.string() })).describe("The first 100 rejected rows"),
});
