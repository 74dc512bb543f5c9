/**
 * Template routes: create and update (variables extracted from the body and the channel parts), and
 * previews that render a template or an ad-hoc body for a contact, every part of it (e-mail subject,
 * HTML and text; the WhatsApp template with its parameters), with the body's SMS encoding and
 * segment count.
 */

import { notFound } from "../../../core/errors.js";
import { segmentInfo } from "../../../core/sms/encoding.js";
import { listResource } from "../../../db/query/list.js";
import { templatesResource } from "../resources.js";
import { deleteScoped, getScoped, updateScoped } from "../../../db/query/crud.js";
import { createTemplate } from "../../../db/templates/repository.js";
import { contacts, templates } from "../../../db/schema.js";
import { accountFor, type Principal } from "../auth/principal.js";
import type { Ctx } from "../context.js";
import { listQuery, pageBody, pageSchema, toListQuery } from "../http/list.js";
import { defineRoute, idParams, type AnyRoute } from "../http/route.js";
import { badRequest } from "../../../core/errors.js";
import { conflictResponse, errorResponses, notFoundResponse } from "../schemas/common.js";
import {
  adhocPreviewBody,
  previewOut,
  templateCreate,
  templateJson,
  templateOut,
  templatePreviewBody,
  templateUpdate,
} from "../schemas/templates.js";
import { assertRenderedFits, assertVariableCount, templateSource } from "./send-content.js";
import type { ContactFields } from "../../../core/templating.js";
import { renderParts, type ContentSource } from "../../../core/content/compose.js";
import { templateVariables } from "../../../core/content/template-parts.js";

/** Default values may only name variables the template uses (matched case-insensitively). */
function checkDefaults(variables: string[], defaults: Record<string, string> | undefined): void {
  const known = new Set(variables.map((v) => v.toUpperCase()));
  for (const k of Object.keys(defaults ?? {})) {
    if (!known.has(k.toUpperCase())) {
      throw badRequest("validation_error", `default_values.${k}: the template has no {${k}} variable`, {
        field: `default_values.${k}`,
      });
    }
  }
}

/** The contact to render for: a stored one (in the caller's accounts) or inline fields. */
export async function previewContact(
  ctx: Ctx,
  principal: Principal,
  contactId: string | undefined,
  inline: ContactFields | undefined,
): Promise<ContactFields | undefined> {
  if (!contactId) return inline;
  const c = await getScoped(ctx.db.orm, contacts, principal, contactId);
  if (!c)
    throw badRequest("invalid_reference", "contact_id: no such contact in your accounts", { field: "contact_id" });
  return c;
}

function preview(source: ContentSource, contact: ContactFields | undefined, customValues?: Record<string, string>) {
  const r = renderParts(source, { contact, customValues });
  assertRenderedFits(r);
  const sms = segmentInfo(r.body);
  return {
    rendered: r.body,
    email: r.email,
    whatsapp: r.whatsapp,
    skipped: r.skipped,
    variables: templateVariables(source.body, source.email, source.whatsapp),
    missing_variables: r.missing,
    defaulted_variables: r.defaulted,
    characters: [...r.body].length,
    sms: {
      encoding: sms.encoding,
      segments: r.body.length === 0 ? 0 : sms.segments,
      units: sms.units,
      per_segment: sms.perSegment,
    },
  };
}

const tag = "templates";

export const templateRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/templates",
    operationId: "listTemplates",
    summary: "List templates",
    tag,
    permission: "read",
    query: listQuery(templatesResource),
    responses: { 200: { description: "A page of templates", schema: pageSchema(templateOut) }, ...errorResponses },
    async handler({ query, principal, ctx }) {
      const q = toListQuery(query, templatesResource, ctx.config);
      return {
        status: 200,
        body: pageBody(
          await listResource(ctx.db.orm, templatesResource, principal, q, ctx.config.API_COUNT_CAP),
          q,
          templateJson,
        ),
      };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/templates",
    operationId: "createTemplate",
    summary: "Create a template; variables are extracted from the body",
    tag,
    permission: "manage",
    body: templateCreate,
    responses: { 201: { description: "Created", schema: templateOut }, ...errorResponses, ...conflictResponse },
    async handler({ body, principal, ctx, now }) {
      const variables = templateVariables(body.body, body.email, body.whatsapp);
      assertVariableCount(variables);
      checkDefaults(variables, body.default_values);
      const row = await createTemplate(
        ctx.db.orm,
        {
          accountId: accountFor(principal, body.account_id),
          name: body.name,
          body: body.body,
          variables,
          category: body.category,
          defaultValues: body.default_values,
          fallbackStrategy: body.fallback_strategy,
          isActive: body.is_active,
          emailParts: body.email ?? null,
          whatsappTemplate: body.whatsapp ?? null,
        },
        now,
      );
      return { status: 201, body: templateJson(row), headers: { Location: `/v1/templates/${row.id}` } };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/templates/preview",
    operationId: "previewTemplateBody",
    summary: "Render an unsaved template body and report its SMS encoding and segments",
    tag,
    permission: "read",
    body: adhocPreviewBody,
    responses: { 200: { description: "Rendered", schema: previewOut }, ...errorResponses },
    async handler({ body, principal, ctx }) {
      const variables = templateVariables(body.body, body.email, body.whatsapp);
      assertVariableCount(variables);
      checkDefaults(variables, body.default_values);
      const contact = await previewContact(ctx, principal, body.contact_id, body.contact);
      const source: ContentSource = {
        body: body.body,
        email: body.email,
        whatsapp: body.whatsapp,
        fallbackStrategy: body.fallback_strategy ?? "keep",
        defaultValues: body.default_values ?? {},
      };
      return { status: 200, body: preview(source, contact, body.custom_values) };
    },
  }),
  defineRoute({
    method: "get",
    path: "/v1/templates/:id",
    operationId: "getTemplate",
    summary: "Get a template",
    tag,
    permission: "read",
    params: idParams,
    responses: { 200: { description: "The template", schema: templateOut }, ...errorResponses, ...notFoundResponse },
    async handler({ params, principal, ctx }) {
      const row = await getScoped(ctx.db.orm, templates, principal, params.id);
      if (!row) throw notFound("template not found");
      return { status: 200, body: templateJson(row) };
    },
  }),
  defineRoute({
    method: "patch",
    path: "/v1/templates/:id",
    operationId: "updateTemplate",
    summary: "Update a template; variables are re-extracted when the body changes",
    tag,
    permission: "manage",
    params: idParams,
    body: templateUpdate,
    responses: {
      200: { description: "Updated", schema: templateOut },
      ...errorResponses,
      ...notFoundResponse,
      ...conflictResponse,
    },
    async handler({ params, body, principal, ctx, now }) {
      const current = await getScoped(ctx.db.orm, templates, principal, params.id);
      if (!current) throw notFound("template not found");
      const email = body.email !== undefined ? body.email : current.emailParts;
      const whatsapp = body.whatsapp !== undefined ? body.whatsapp : current.whatsappTemplate;
      const partsChange = body.body !== undefined || body.email !== undefined || body.whatsapp !== undefined;
      const variables = partsChange ? templateVariables(body.body ?? current.body, email, whatsapp) : current.variables;
      assertVariableCount(variables);
      checkDefaults(variables, body.default_values ?? (partsChange ? current.defaultValues : undefined));
      const row = await updateScoped(ctx.db.orm, templates, principal, params.id, {
        name: body.name,
        body: body.body,
        variables,
        category: body.category,
        defaultValues: body.default_values,
        fallbackStrategy: body.fallback_strategy,
        isActive: body.is_active,
        emailParts: body.email,
        whatsappTemplate: body.whatsapp,
        updatedAt: now,
      });
      if (!row) throw notFound("template not found");
      return { status: 200, body: templateJson(row) };
    },
  }),
  defineRoute({
    method: "delete",
    path: "/v1/templates/:id",
    operationId: "deleteTemplate",
    summary: "Delete a template no group or scheduled message uses",
    tag,
    permission: "manage",
    params: idParams,
    responses: { 204: { description: "Deleted" }, ...errorResponses, ...notFoundResponse, ...conflictResponse },
    async handler({ params, principal, ctx }) {
      if (!(await deleteScoped(ctx.db.orm, templates, principal, params.id))) throw notFound("template not found");
      return { status: 204 };
    },
  }),
  defineRoute({
    method: "post",
    path: "/v1/templates/:id/preview",
    operationId: "previewTemplate",
    summary: "Render a template for a contact and report its SMS encoding (GSM-7 / UCS-2) and segment count",
    tag,
    permission: "read",
    params: idParams,
    body: templatePreviewBody,
    responses: { 200: { description: "Rendered", schema: previewOut }, ...errorResponses, ...notFoundResponse },
    async handler({ params, body, principal, ctx }) {
      const t = await getScoped(ctx.db.orm, templates, principal, params.id);
      if (!t) throw notFound("template not found");
      const contact = await previewContact(ctx, principal, body.contact_id, body.contact);
      return { status: 200, body: preview(templateSource(t), contact, body.custom_values) };
    },
  }),
];
