/**
 * The campaign's renderer: the same rules as single sends (core/content/compose.ts) — the
 * template's body and the channel parts its channel type uses, with the template's fallback
 * strategy and defaults, or the ad-hoc body with "keep" — and the campaign's channel options on
 * every message (an e-mail subject, HTML or text among them rendered per recipient like the
 * body). A skipped recipient keeps the text as written, so its message row records what it would
 * have said.
 */

import type { CampaignContact } from "./contact.js";
import type { RenderedText } from "./page-plan.js";
import type { FallbackStrategy } from "../messages/lifecycle.js";
import type { ChannelOptions } from "../messages/channel-options.js";
import type { ChannelType } from "../messages/vocabulary.js";
import { composeForChannel, type ContentSource } from "../content/compose.js";
import type { EmailParts, WhatsAppMapping } from "../content/template-parts.js";

/** What the renderer needs of a campaign: its template (or ad-hoc body) and the values to fill it. */
export interface CampaignContent {
  templateBody: string | null;
  fallbackStrategy: string;
  defaultValues: Record<string, string>;
  templateActive: boolean;
  messageBody: string | null;
  customValues: Record<string, string>;
  templateId: string | null;
  templateEmail?: EmailParts | null;
  templateWhatsApp?: WhatsAppMapping | null;
  /** The campaign's channel options, for every message it creates. */
  options?: ChannelOptions;
}

export function campaignRenderer(
  content: CampaignContent,
  channelType: ChannelType,
): (contact: CampaignContact) => RenderedText {
  const source: ContentSource =
    content.templateBody !== null
      ? {
          body: content.templateBody,
          email: content.templateEmail,
          whatsapp: content.templateWhatsApp,
          fallbackStrategy: content.fallbackStrategy as FallbackStrategy,
          defaultValues: content.defaultValues,
        }
      : { body: content.messageBody ?? "", fallbackStrategy: "keep" };
  const options = content.options ?? {};
  return (contact) => {
    const c = composeForChannel(channelType, source, { contact, customValues: content.customValues }, options);
    return {
      text: c.body,
      skipped: c.skipped,
      missing: c.missing,
      options: c.options,
      ...(c.tooLong ? { tooLong: c.tooLong } : {}),
    };
  };
}
