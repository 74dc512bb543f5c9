/**
 * Templates as the REST layer stores them, with the variables extracted from their body and their
 * channel parts (e-mail subject/HTML/text, WhatsApp mapping).
 */

import type { Orm } from "../client.js";
import { uuidv7 } from "../ids.js";
import { templates, type TemplateRow } from "../schema.js";
import type { FallbackStrategy } from "../../core/messages/lifecycle.js";
import type { EmailParts, WhatsAppMapping } from "../../core/content/template-parts.js";

export interface NewTemplate {
  accountId: string;
  name: string;
  body: string;
  /** Extracted from the body and parts by the caller (core/content/template-parts.ts), in order of first use. */
  variables: string[];
  category?: string | null;
  defaultValues?: Record<string, string>;
  fallbackStrategy?: FallbackStrategy;
  isActive?: boolean;
  emailParts?: EmailParts | null;
  whatsappTemplate?: WhatsAppMapping | null;
}

export async function createTemplate(orm: Orm, input: NewTemplate, now: Date): Promise<TemplateRow> {
  const [row] = await orm
    .insert(templates)
    .values({
      ...input,
      id: uuidv7(now),
      category: input.category ?? null,
      defaultValues: input.defaultValues ?? {},
      fallbackStrategy: input.fallbackStrategy ?? "keep",
      isActive: input.isActive ?? true,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return row!;
}
