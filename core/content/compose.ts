/**
 * What a message says on its channel: the template (or ad-hoc body) rendered for one recipient,
 * with the channel parts its type uses. One set of rules for single sends, campaign fan-out,
 * schedule triggers and previews:
 *   email      the subject, HTML and text parts (the template's, each overridden by the send's
 *              own subject/html/text options); variables are HTML-escaped in the HTML part and
 *              put in as they are in the subject and text; the text is the message's body, the
 *              template's text part, else derived from the HTML part, else the rendered body
 *   whatsapp   the body, and the template's WhatsApp mapping rendered into the approved template
 *              sent when the customer-care window is closed (outside_window_template)
 *   others     the body
 * Only the parts a channel type uses count for missing variables, so a subject's variable cannot
 * skip an SMS. A skipped recipient keeps its parts as written (placeholders kept), as a record.
 * Each part stops rendering at its channel's limit (core/content/limits.ts); the result then names
 * the part (`tooLong`) and that part holds the text as written, cut at the limit: the REST API
 * answers 400, a campaign or schedule skips the recipient with the reason.
 */

import type { FallbackStrategy } from "../messages/lifecycle.js";
import type { ChannelOptions, WhatsAppTemplate } from "../messages/channel-options.js";
import type { ChannelType } from "../messages/vocabulary.js";
import { render, RenderLimitError, type ContactFields } from "../templating.js";
import { htmlToText } from "./html-to-text.js";
import type { EmailParts, WhatsAppMapping } from "./template-parts.js";
import {
  BODY_LIMITS,
  EMAIL_PART_LIMIT,
  EMAIL_SUBJECT_LIMIT,
  PREVIEW_BODY_LIMIT,
  WHATSAPP_PARAMETER_LIMIT,
  type TooLong,
} from "./limits.js";

/** A template, or an ad-hoc body (no parts, strategy keep). */
export interface ContentSource {
  body: string;
  email?: EmailParts | null;
  whatsapp?: WhatsAppMapping | null;
  fallbackStrategy: FallbackStrategy;
  defaultValues?: Record<string, string>;
}

/** The values a recipient brings. */
export interface Fill {
  contact?: ContactFields;
  customValues?: Record<string, string>;
}

export interface RenderedEmail {
  subject: string;
  html: string | null;
  text: string;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** Renders parts of one source for one recipient, gathering what was missing or defaulted. */
class PartRenderer {
  readonly missing = new Set<string>();
  readonly defaulted = new Set<string>();
  /** The first part that went over its limit. */
  tooLong: TooLong | undefined;

  constructor(
    private readonly source: ContentSource,
    private readonly fill: Fill,
    private readonly bodyLimit: number,
  ) {}

  text(text: string, part: TooLong["part"], limit: number, escape?: (value: string) => string): string {
    // Skip decides per recipient once every part is rendered; until then placeholders are kept.
    const strategy = this.source.fallbackStrategy === "skip" ? "keep" : this.source.fallbackStrategy;
    let r;
    try {
      r = render({
        body: text,
        fallbackStrategy: strategy,
        defaultValues: this.source.defaultValues,
        contact: this.fill.contact,
        customValues: this.fill.customValues,
        escape,
        maxLength: limit,
      });
    } catch (err) {
      if (!(err instanceof RenderLimitError)) throw err;
      this.tooLong ??= { part, limit };
      return text.slice(0, limit);
    }
    for (const m of r.missing) this.missing.add(m);
    for (const d of r.defaulted) this.defaulted.add(d);
    return r.text;
  }

  email(parts: EmailParts | { subject: string; html?: string; text?: string }, bodyIsHtml = false): RenderedEmail {
    const html = parts.html !== undefined ? this.text(parts.html, "html", EMAIL_PART_LIMIT, escapeHtml) : null;
    const text =
      parts.text !== undefined
        ? this.text(parts.text, "text", EMAIL_PART_LIMIT)
        : html !== null
          ? htmlToText(html)
          : this.body(bodyIsHtml);
    return { subject: this.text(parts.subject, "subject", EMAIL_SUBJECT_LIMIT), html, text };
  }

  body(isHtml = false): string {
    return this.text(this.source.body, "body", this.bodyLimit, isHtml ? escapeHtml : undefined);
  }

  whatsapp(mapping: WhatsAppMapping): WhatsAppTemplate {
    return {
      name: mapping.name,
      language: mapping.language,
      components: (mapping.components ?? []).map((c) => ({
        type: c.type,
        ...(c.sub_type !== undefined ? { sub_type: c.sub_type } : {}),
        ...(c.index !== undefined ? { index: String(c.index) } : {}),
        parameters: c.parameters.map((name) => ({
          type: "text" as const,
          text: this.text(`{${name}}`, "whatsapp_parameter", WHATSAPP_PARAMETER_LIMIT),
        })),
      })),
    };
  }

  get skipped(): boolean {
    return this.source.fallbackStrategy === "skip" && this.missing.size > 0;
  }
}

export interface RenderedParts {
  body: string;
  email: RenderedEmail | null;
  whatsapp: WhatsAppTemplate | null;
  skipped: boolean;
  missing: string[];
  defaulted: string[];
  /** A part went over its limit (the preview holds the body to the largest channel's). */
  tooLong?: TooLong;
}

/**
 * Every part of a template for one recipient (the preview). As with a single text, a recipient
 * the skip strategy leaves out gets nothing: an empty body and no parts.
 */
export function renderParts(source: ContentSource, fill: Fill): RenderedParts {
  const r = new PartRenderer(source, fill, PREVIEW_BODY_LIMIT);
  const body = r.body();
  const email = source.email ? r.email(source.email) : null;
  const whatsapp = source.whatsapp ? r.whatsapp(source.whatsapp) : null;
  const missing = [...r.missing];
  const defaulted = [...r.defaulted];
  const tooLong = r.tooLong ? { tooLong: r.tooLong } : {};
  if (r.skipped) return { body: "", email: null, whatsapp: null, skipped: true, missing, defaulted, ...tooLong };
  return { body, email, whatsapp, skipped: false, missing, defaulted, ...tooLong };
}

export interface Composed {
  /** The message's text (for e-mail, its text part). */
  body: string;
  /** The send's options with the rendered parts in them. */
  options: ChannelOptions;
  /** The skip strategy met a missing variable: the message is kept as a record, never sent. */
  skipped: boolean;
  missing: string[];
  /** A part went over its channel's limit: the message must not be created or sent. */
  tooLong?: TooLong;
}

/**
 * The e-mail parts of a send: the template's, each overridden by the send's own option. Without a
 * template's parts, a body of its own is the text part (as a single send's is); only an empty one
 * leaves the text to be derived from the HTML.
 */
function emailParts(source: ContentSource, options: ChannelOptions) {
  if (options.subject === undefined && options.html === undefined && options.text === undefined) return source.email;
  const ownBody = !source.email && source.body.trim() !== "" ? source.body : undefined;
  return {
    subject: options.subject ?? source.email?.subject ?? "",
    html: options.html ?? source.email?.html,
    text: options.text ?? source.email?.text ?? ownBody,
  };
}

/** A message on `channelType` rendered for one recipient: its text and the options its parts become. */
export function composeForChannel(
  channelType: ChannelType,
  source: ContentSource,
  fill: Fill,
  options: ChannelOptions,
): Composed {
  const r = new PartRenderer(source, fill, BODY_LIMITS[channelType]);
  const out: ChannelOptions = { ...options };
  let body: string;
  if (channelType === "email") {
    const parts = emailParts(source, options);
    if (parts) {
      const email = r.email(parts, options.is_html === true);
      body = email.text;
      out.subject = email.subject;
      if (email.html !== null) out.html = email.html;
      else delete out.html;
      delete out.text;
    } else body = r.body(options.is_html === true);
  } else {
    body = r.body();
    if (channelType === "whatsapp" && source.whatsapp && !options.template && !options.outside_window_template)
      out.outside_window_template = r.whatsapp(source.whatsapp);
  }
  return {
    body,
    options: out,
    skipped: r.skipped,
    missing: [...r.missing],
    ...(r.tooLong ? { tooLong: r.tooLong } : {}),
  };
}

/**
 * An ad-hoc single send, sent as given (nothing rendered). An e-mail with an HTML part and an
 * empty body gets its text part derived from the HTML.
 */
export function composeAsGiven(channelType: ChannelType, body: string, options: ChannelOptions): Composed {
  const limit = BODY_LIMITS[channelType];
  if (body.length > limit)
    return { body: body.slice(0, limit), options, skipped: false, missing: [], tooLong: { part: "body", limit } };
  if (channelType === "email" && options.html !== undefined && options.text === undefined && body.trim() === "")
    return { body: htmlToText(options.html), options, skipped: false, missing: [] };
  return { body, options, skipped: false, missing: [] };
}
