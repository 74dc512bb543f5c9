/**
 * Contact and contact-group routes, including membership, a contact's opt-outs and suppressions, and
 * the streamed CSV import into a group.
 */

import { notFound } from "../../../core/errors.js";
import { listResource } from "../../../db/query/list.js";
import { contactGroupsResource, contactsResource } from "../resources.js";
import {
  addGroupMembers,
  createContact,
  createContactGroup,
  importContactsIntoGroup,
  removeGroupMember,
} from "../../../db/contacts/repository.js";
import { deleteScoped, getScoped, updateScoped } from "../../../db/query/crud.js";
import { contactGroups, contacts } from "../../../db/schema.js";
import { accountFor } from "../auth/principal.js";
import { csvContactBatches, type ImportStats } from "../csv-import.js";
import { listQuery, pageBody, pageSchema, toListQuery } from "../http/list.js";
import { defineRoute, idParams, type AnyRoute } from "../http/route.js";
import { checkCsvUpload, csvLimits, inImportSlot } from "../http/csv-upload.js";
import { conflictResponse, errorResponses, errorSchema, notFoundResponse } from "../schemas/common.js";
import { optOutsOfContact } from "../../../db/contacts/opt-outs.js";
import {
  contactCreate,
  contactDetailJson,
  contactDetailOut,
  contactJson,
  contactOut,
  contactUpdate,
  groupCreate,
  groupJson,
  groupOut,
  groupUpdate,
  importOut,
  memberParams,
  membersAdd,
  membersOut,
} from "../schemas/contacts.js";

export const contactRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/contacts",
    operationId: "listContacts",
    summary: "List contacts (filter group_id:eq|in to list a group's members)",
    tag: "contacts",
    permission: "read",
    query: listQuery(contactsResource),
    responses: { 200: { description: "A page of contacts", schema: pageSchema(contactOut) }, ...errorResponses },
    async handler({ query, principal, ctx }) {
      const q = toListQuery(query, contactsResource, ctx.config);
      return {
        status: 200,
        body: pageBody(
          await listResource(ctx.db.orm, contactsResource, principal, q, ctx.config.API_COUNT_CAP),
          q,
          contactJson,
        ),
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/contacts",
    operationId: "createContact",
    summary: "Create a contact",
    tag: "contacts",
    permission: "manage",
    body: contactCreate,
    responses: { 201: { description: "Created", schema: contactOut }, ...errorResponses },
    async handler({ body, principal, ctx, now }) {
      const { account_id, ...fields } = body;
      const row = await createContact(ctx.db.orm, accountFor(principal, account_id), fields, now);
      return { status: 201, body: contactJson(row), headers: { Location: `/v1/contacts/${row.id}` } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/contacts/:id",
    operationId: "getContact",
    summary: "Get a contact with its opt-outs and suppressions",
    tag: "contacts",
    permission: "read",
    params: idParams,
    responses: {
      200: { description: "The contact", schema: contactDetailOut },
      ...errorResponses,
      ...notFoundResponse,
    },
    async handler({ params, principal, ctx }) {
      const row = await getScoped(ctx.db.orm, contacts, principal, params.id);
      if (!row) throw notFound("contact not found");
      return { status: 200, body: contactDetailJson(row, await optOutsOfContact(ctx.db, row)) };
    },
  }),
  defineRoute({
    method: "patch",
    path: "/v1/contacts/:id",
    operationId: "updateContact",
    summary: "Update a contact",
    tag: "contacts",
    permission: "manage",
    params: idParams,
    body: contactUpdate,
    responses: { 200: { description: "Updated", schema: contactOut }, ...errorResponses, ...notFoundResponse },
    async handler({ params, body, principal, ctx, now }) {
      const row = await updateScoped(ctx.db.orm, contacts, principal, params.id, { ...body, updatedAt: now });
      if (!row) throw notFound("contact not found");
      return { status: 200, body: contactJson(row) };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/v1/contacts/:id",
    operationId: "deleteContact",
    summary: "Delete a contact (and its group memberships)",
    tag: "contacts",
    permission: "manage",
    params: idParams,
    responses: { 204: { description: "Deleted" }, ...errorResponses, ...notFoundResponse },
    async handler({ params, principal, ctx }) {
      if (!(await deleteScoped(ctx.db.orm, contacts, principal, params.id))) throw notFound("contact not found");
      return { status: 204 };
    },
  }),
];

const gtag = "contact-groups";

export const contactGroupRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/contact-groups",
    operationId: "listContactGroups",
    summary: "List contact groups",
    tag: gtag,
    permission: "read",
    query: listQuery(contactGroupsResource),
    responses: { 200: { description: "A page of contact groups", schema: pageSchema(groupOut) }, ...errorResponses },
    async handler({ query, principal, ctx }) {
      const q = toListQuery(query, contactGroupsResource, ctx.config);
      return {
        status: 200,
        body: pageBody(
          await listResource(ctx.db.orm, contactGroupsResource, principal, q, ctx.config.API_COUNT_CAP),
          q,
          groupJson,
        ),
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/contact-groups",
    operationId: "createContactGroup",
    summary: "Create a contact group",
    tag: gtag,
    permission: "manage",
    body: groupCreate,
    responses: { 201: { description: "Created", schema: groupOut }, ...errorResponses, ...conflictResponse },
    async handler({ body, principal, ctx, now }) {
      const row = await createContactGroup(
        ctx.db.orm,
        accountFor(principal, body.account_id),
        { name: body.name, description: body.description },
        now,
      );
      return { status: 201, body: groupJson(row), headers: { Location: `/v1/contact-groups/${row.id}` } };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/contact-groups/:id",
    operationId: "getContactGroup",
    summary: "Get a contact group",
    tag: gtag,
    permission: "read",
    params: idParams,
    responses: { 200: { description: "The group", schema: groupOut }, ...errorResponses, ...notFoundResponse },
    async handler({ params, principal, ctx }) {
      const row = await getScoped(ctx.db.orm, contactGroups, principal, params.id);
      if (!row) throw notFound("contact group not found");
      return { status: 200, body: groupJson(row) };
    },
  }),
  defineRoute({
    method: "patch",
    path: "/v1/contact-groups/:id",
    operationId: "updateContactGroup",
    summary: "Rename or describe a contact group",
    tag: gtag,
    permission: "manage",
    params: idParams,
    body: groupUpdate,
    responses: {
      200: { description: "Updated", schema: groupOut },
      ...errorResponses,
      ...notFoundResponse,
      ...conflictResponse,
    },
    async handler({ params, body, principal, ctx, now }) {
      const row = await updateScoped(ctx.db.orm, contactGroups, principal, params.id, { ...body, updatedAt: now });
      if (!row) throw notFound("contact group not found");
      return { status: 200, body: groupJson(row) };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/v1/contact-groups/:id",
    operationId: "deleteContactGroup",
    summary: "Delete a contact group (its contacts stay)",
    tag: gtag,
    permission: "manage",
    params: idParams,
    responses: { 204: { description: "Deleted" }, ...errorResponses, ...notFoundResponse },
    async handler({ params, principal, ctx }) {
      if (!(await deleteScoped(ctx.db.orm, contactGroups, principal, params.id)))
        throw notFound("contact group not found");
      return { status: 204 };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/contact-groups/:id/members",
    operationId: "addContactGroupMembers",
    summary: "Add existing contacts to a group",
    tag: gtag,
    permission: "manage",
    params: idParams,
    body: membersAdd,
    responses: { 200: { description: "Members added", schema: membersOut }, ...errorResponses, ...notFoundResponse },
    async handler({ params, body, principal, ctx, now }) {
      const r = await addGroupMembers(ctx.db, principal, params.id, body.contact_ids, now);
      if (!r) throw notFound("contact group not found");
      return { status: 200, body: { group: groupJson(r.group), added: r.added, unknown_contact_ids: r.unknown } };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/v1/contact-groups/:id/members/:contactId",
    operationId: "removeContactGroupMember",
    summary: "Remove a contact from a group",
    tag: gtag,
    permission: "manage",
    params: memberParams,
    responses: { 204: { description: "Removed" }, ...errorResponses, ...notFoundResponse },
    async handler({ params, principal, ctx, now }) {
      const r = await removeGroupMember(ctx.db, principal, params.id, params.contactId, now);
      if (!r) throw notFound(r === undefined ? "contact group not found" : "the contact is not in this group");
      return { status: 204 };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/contact-groups/:id/import",
    operationId: "importContactsCsv",
    summary:
      "Import contacts from a CSV file into the group (streamed; columns name, email, phone, others into metadata)",
    tag: gtag,
    permission: "manage",
    params: idParams,
    rawBody: { contentType: "text/csv", description: "CSV with a header row" },
    responses: {
      200: { description: "Imported", schema: importOut },
      ...errorResponses,
      ...notFoundResponse,
      408: { description: "The upload did not arrive within API_CSV_UPLOAD_TIMEOUT_SECONDS", schema: errorSchema },
      413: { description: "File or row count over the limit", schema: errorSchema },
      415: { description: "Not text/csv", schema: errorSchema },
    },
    async handler({ params, principal, ctx, now, req, res }) {
      checkCsvUpload(req, ctx);
      const group = await getScoped(ctx.db.orm, contactGroups, principal, params.id);
      if (!group) throw notFound("contact group not found");
      return inImportSlot(ctx, res, group.accountId, async () => {
        const stats: ImportStats = { rejected: 0, errors: [] };
        const batches = csvContactBatches(req, csvLimits(ctx), stats);
        const r = await importContactsIntoGroup(ctx.db, principal, params.id, batches, now);
        if (!r) throw notFound("contact group not found");
        return {
          status: 200,
          body: { group: groupJson(r.group), imported: r.imported, rejected: stats.rejected, errors: stats.errors },
        };
      });
    },
  }),
];
