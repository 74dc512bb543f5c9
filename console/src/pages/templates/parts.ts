/**
 * A template's channel parts as the editor holds them (each part switched on or off, the WhatsApp
 * components as rows of inputs) and the shape the API takes them in. Only the shape is made here:
 * the API checks the names, codes and variables, and its error names the field it refuses.
 */

import type { operations } from "../../../../clients/typescript/index.js";

type TemplateBody = operations["createTemplate"]["requestBody"]["content"]["application/json"];
export type EmailParts = NonNullable<TemplateBody["email"]>;
export type WhatsAppMapping = NonNullable<TemplateBody["whatsapp"]>;
type ComponentType = NonNullable<WhatsAppMapping["components"]>[number]["type"];
type ButtonSubType = NonNullable<NonNullable<WhatsAppMapping["components"]>[number]["sub_type"]>;

export const COMPONENT_TYPES: readonly ComponentType[] = ["header", "body", "button"];
export const BUTTON_SUB_TYPES: readonly ButtonSubType[] = ["quick_reply", "url", "copy_code", "flow"];

export interface EmailDraft {
  on: boolean;
  subject: string;
  html: string;
  /** Empty: the API derives the text part from the HTML. */
  text: string;
}

export interface ComponentDraft {
  type: ComponentType;
  subType: ButtonSubType;
  index: string;
  /** Our variable names for the component's {{1}}, {{2}} …, separated by commas. */
  parameters: string;
}

export interface WhatsAppDraft {
  on: boolean;
  name: string;
  language: string;
  components: ComponentDraft[];
}

export const emptyEmail = (): EmailDraft => ({ on: false, subject: "", html: "", text: "" });
export const emptyComponent = (): ComponentDraft => ({
  type: "body",
  subType: "quick_reply",
  index: "0",
  parameters: "",
});
export const emptyWhatsApp = (): WhatsAppDraft => ({ on: false, name: "", language: "en", components: [] });

export function emailPart(d: EmailDraft): EmailParts | undefined {
  if (!d.on) return undefined;
  return { subject: d.subject, ...(d.html ? { html: d.html } : {}), ...(d.text ? { text: d.text } : {}) };
}

export function whatsappPart(d: WhatsAppDraft): WhatsAppMapping | undefined {
  if (!d.on) return undefined;
  return {
    name: d.name,
    language: d.language,
    components: d.components.map((c) => ({
      type: c.type,
      ...(c.type === "button" ? { sub_type: c.subType, index: Number(c.index) } : {}),
      parameters: c.parameters
        .split(",")
        .map((p) => p.trim().replace(/^\{(.*)\}$/, "$1"))
        .filter(Boolean),
    })),
  };
}
