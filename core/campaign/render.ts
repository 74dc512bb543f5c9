/**
 * The campaign's renderer: the same {VARIABLE} rules as single sends (core/templating.ts),
 * with the template's fallback strategy and defaults, or the ad-hoc body with "keep". A skipped
 * recipient keeps the text as written, so its message row records what it would have said.
 */

import type { CampaignContact } from "./contact.js";
import type { RenderedText } from "./page-plan.js";
import type { FallbackStrategy } from "../messages/lifecycle.js";
import { render } from "../templating.js";

/** What the renderer needs of a campaign: its template (or ad-hoc body) and the values to fill it. */
export interface CampaignContent {
  templateBody: string | null;
  fallbackStrategy: string;
  defaultValues: Record<string, string>;
  templateActive: boolean;
  messageBody: string | null;
  customValues: Record<string, string>;
  templateId: string | null;
}

export function campaignRenderer(content: CampaignContent): (contact: CampaignContact) => RenderedText {
  const body = content.templateBody ?? content.messageBody ?? "";
  const strategy = (content.templateBody !== null ? content.fallbackStrategy : "keep") as FallbackStrategy;
  return (contact) => {
    const r = render({
      body,
      fallbackStrategy: strategy,
      defaultValues: content.defaultValues,
      contact,
      customValues: content.customValues,
    });
    if (!r.skipped) return { text: r.text, skipped: false, missing: r.missing };
    const kept = render({ body, fallbackStrategy: "keep", contact, customValues: content.customValues });
    return { text: kept.text, skipped: true, missing: r.missing };
  };
}
