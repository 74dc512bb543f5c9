/**
 * A send's content as the REST layer checks it: channel options validated against the channel's
 * type (given as `channel_options`, or in `metadata` as older clients do, the explicit ones
 * winning), a stored template as the source the renderer (core/content/compose.ts) reads, and
 * the rendered parts held to their channel's limits (core/content/limits.ts) with a 400.
 */

import { badRequest } from "../../../core/errors.js";
import { composeForChannel, type ContentSource } from "../../../core/content/compose.js";
import { MAX_TEMPLATE_VARIABLES, TOO_LONG_CODE, tooLongDetail, type TooLong } from "../../../core/content/limits.js";
import {
  isOptionOf,
  legacyOptions,
  optionsSchemaFor,
  type ChannelOptions,
} from "../../../core/messages/channel-options.js";
import type { FallbackStrategy } from "../../../core/messages/lifecycle.js";
import type { ChannelType } from "../../../core/messages/vocabulary.js";
import type { TemplateRow } from "../../../db/schema.js";
import { parseWith } from "../http/validation.js";
import type { Orm } from "../../../db/client.js";
import { channelRef, templateRef } from "./references.js";

/** The options a send on `channelType` carries; a 400 names the field of any that does not fit. */
export function channelOptionsFor(
  channelType: ChannelType,
  given: Record<string, unknown> | undefined,
  metadata: Record<string, unknown> | undefined,
): ChannelOptions {
  const schema = optionsSchemaFor(channelType);
  const fromMetadata = parseWith(schema, legacyOptions(channelType, metadata ?? {}), "metadata");
  for (const key of Object.keys(given ?? {})) {
    if (!isOptionOf(channelType, key))
      throw badRequest("validation_error", `channel_options.${key}: not an option of ${channelType} channels`, {
        field: `channel_options.${key}`,
      });
  }
  const explicit = parseWith(schema, given ?? {}, "channel_options");
  // Checked again together: a rule may span both (MESSAGE_TAG in one, its tag in the other).
  return parseWith(schema, { ...fromMetadata, ...explicit }, "channel_options");
}

/**
 * The options after a PATCH: replaced when `channel_options` is given; when only `metadata` is,
 * the options an older client put there update the stored ones. Undefined: unchanged.
 */
export function patchedChannelOptions(
  channelType: ChannelType,
  current: ChannelOptions,
  given: Record<string, unknown> | undefined,
  metadata: Record<string, unknown> | undefined,
): ChannelOptions | undefined {
  if (given !== undefined) return channelOptionsFor(channelType, given, metadata);
  if (metadata === undefined) return undefined;
  const schema = optionsSchemaFor(channelType);
  const fromMetadata = parseWith(schema, legacyOptions(channelType, metadata), "metadata");
  return parseWith(schema, { ...current, ...fromMetadata }, "metadata");
}

/** A stored template as the renderer's source. */
export function templateSource(t: TemplateRow): ContentSource {
  return {
    body: t.body,
    email: t.emailParts,
    whatsapp: t.whatsappTemplate,
    fallbackStrategy: t.fallbackStrategy as FallbackStrategy,
    defaultValues: t.defaultValues,
  };
}

const PART_FIELDS: Record<TooLong["part"], string> = {
  body: "body",
  subject: "email.subject",
  html: "email.html",
  text: "email.text",
  whatsapp_parameter: "whatsapp",
};

/** 400 when a rendered part went over its limit. */
export function assertRenderedFits(rendered: { tooLong?: TooLong }): void {
  if (rendered.tooLong)
    // Written out so docs/errors.md's check finds it; `satisfies` keeps it the kernel's code.
    throw badRequest("rendered_too_long" satisfies typeof TOO_LONG_CODE, tooLongDetail(rendered.tooLong), {
      field: PART_FIELDS[rendered.tooLong.part],
    });
}

/**
 * A group or scheduled send whose content is already too long for its channel with only its own
 * custom values filled in (placeholders kept for what contacts bring) is refused when it is
 * defined; a recipient whose values push it over is skipped when it is sent.
 */
export function assertSendFits(
  channelType: ChannelType,
  source: ContentSource,
  customValues: Record<string, string> | undefined,
  options: ChannelOptions,
): void {
  assertRenderedFits(
    composeForChannel(channelType, { ...source, fallbackStrategy: "keep" }, { customValues }, options),
  );
}

/** 400 when a template names more variables than one template may. */
export function assertVariableCount(variables: readonly string[]): void {
  if (variables.length > MAX_TEMPLATE_VARIABLES)
    throw badRequest(
      "too_many_variables",
      `a template may name at most ${MAX_TEMPLATE_VARIABLES} variables; this one names ${variables.length}`,
      { field: "body" },
    );
}

interface SendDefinition {
  accountId: string;
  channelId: string;
  templateId: string | null;
  messageBody: string | null;
  customValues: Record<string, string>;
  channelOptions: ChannelOptions;
}

/** After a PATCH of a group or scheduled send: its new content checked like on create. */
export async function assertPatchedSendFits(
  orm: Orm,
  current: SendDefinition,
  patch: Partial<Pick<SendDefinition, "templateId" | "messageBody" | "customValues" | "channelOptions">>,
): Promise<void> {
  if (Object.values(patch).every((v) => v === undefined)) return;
  const channel = await channelRef(orm, current.accountId, current.channelId);
  const templateId = patch.templateId !== undefined ? patch.templateId : current.templateId;
  const messageBody = patch.messageBody !== undefined ? patch.messageBody : current.messageBody;
  const source: ContentSource = templateId
    ? templateSource(await templateRef(orm, current.accountId, templateId))
    : { body: messageBody ?? "", fallbackStrategy: "keep" };
  assertSendFits(
    channel.channelType as ChannelType,
    source,
    patch.customValues ?? current.customValues,
    patch.channelOptions ?? current.channelOptions,
  );
}
