/**
 * The providers a channel can use and the credential fields each one takes, read from the provider
 * plugins: a client (the console's channel form) builds its credential inputs from this, marks the
 * secret fields write-only, and shows how the provider's webhooks get configured. Nothing here is
 * tenant data, but it is served under /v1 like everything else, so only signed-in callers see it.
 */

import { z } from "zod";
import { providerKey } from "../../../adapters/contract/plugin.js";
import { PLUGINS } from "../../../adapters/registry.js";
import { defineRoute, type AnyRoute } from "../http/route.js";
import { errorResponses } from "../schemas/common.js";

const fieldOut = z.object({
  name: z.string(),
  type: z.string().describe("string, integer, number or boolean"),
  required: z.boolean(),
  secret: z.boolean().describe("Write-only: channel answers mask it"),
  description: z.string().nullable(),
});

export const providerOut = z
  .object({
    channel_type: z.string(),
    provider: z.string(),
    key: z.string().describe("The provider's one name (the provider for SMS, the channel type otherwise)"),
    webhook_registration: z.enum(["automatic", "manual", "none"]),
    credential_fields: z.array(fieldOut),
  })
  .meta({ id: "Provider" });

interface JsonSchemaObject {
  properties?: Record<string, { type?: string | string[]; description?: string }>;
  required?: string[];
}

/** A credential schema's top-level fields as a form needs them; transforms and refinements are the API's to check. */
export function credentialFields(schema: z.ZodType, secret: readonly string[]): z.infer<typeof fieldOut>[] {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchemaObject;
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, p]) => ({
    name,
    type: (Array.isArray(p.type) ? p.type.find((t) => t !== "null") : p.type) ?? "string",
    required: required.has(name),
    secret: secret.includes(name),
    description: p.description ?? null,
  }));
}

const providers = () =>
  PLUGINS.map((p) => ({
    channel_type: p.channelType,
    provider: p.provider,
    key: providerKey(p),
    webhook_registration: p.webhooks.registration,
    credential_fields: credentialFields(p.credentials.schema, p.credentials.secretFields),
  }));

export const providerRoutes: AnyRoute[] = [
  defineRoute({
    method: "get",
    path: "/v1/providers",
    operationId: "listProviders",
    summary: "The providers channels can use, with the credential fields each takes (secret ones marked)",
    tag: "channels",
    permission: "read",
    responses: {
      200: { description: "Every provider", schema: z.object({ items: z.array(providerOut) }) },
      ...errorResponses,
    },
    async handler() {
      return { status: 200, body: { items: providers() } };
    },
  }),
];
