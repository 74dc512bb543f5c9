/**
 * Request and response schemas of the contact endpoints (zod): they validate requests and are the
 * schemas of the OpenAPI document.
 */

import { z } from "zod";
import type { ContactGroupRow, ContactRow } from "../../../db/schema.js";
import { accountId, iso, metadata, name, nonEmpty, tsOut, uuid } from "./common.js";

export const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ()-]{2,31}$/, { error: "must be a phone number (digits, optional leading +)" });
export const email = z.email({ error: "must be an e-mail address" }).max(255);

const contactFields = {
  name: z.string().trim().max(255).nullable().optional(),
  email: email.nullable().optional(),
  phone: phone.nullable().optional(),
  metadata: metadata.optional().describe("Extra fields, available to templates as {KEY}"),
};

export const contactCreate = z
  .strictObject({ account_id: accountId, ...contactFields })
  .refine((c) => Boolean(c.name || c.email || c.phone), {
    error: "a contact needs a name, email or phone",
    path: ["name"],
  });
export const contactUpdate = nonEmpty(z.strictObject(contactFields));

export const contactOut = z.object({
  id: z.uuid(),
  account_id: z.uuid(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: tsOut,
  updated_at: tsOut,
});

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

export const groupCreate = z.strictObject({
  account_id: accountId,
  name,
  description: z.string().max(10_000).nullable().optional(),
});
export const groupUpdate = nonEmpty(
  z.strictObject({ name: name.optional(), description: z.string().max(10_000).nullable().optional() }),
);

export const groupOut = z.object({
  id: z.uuid(),
  account_id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  member_count: z.number().int(),
  created_at: tsOut,
  updated_at: tsOut,
});

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
