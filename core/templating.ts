/**
 * `{VARIABLE}` templates (one text; a template's channel parts are rendered with these rules by
 * core/content/compose.ts). Variables are extracted on save in order of first use;
 * rendering resolves each one from, in order: the send's custom values, the contact (name,
 * first/last name, email, phone, then its metadata keys), and — when the template says so —
 * its default values. Names match case-insensitively. What a still-missing variable becomes is
 * the template's fallback strategy:
 *   keep        — the placeholder stays in the text as written, e.g. "Hi {NAME}";
 *   use_default — the template's default value for it, or the empty string without one;
 *   skip        — the message is not sent to this contact at all.
 */

import type { FallbackStrategy } from "./messages/lifecycle.js";

export const VARIABLE_RE = /\{([A-Za-z][A-Za-z0-9_]{0,63})\}/g;

export function extractVariables(body: string): string[] {
  const seen = new Map<string, string>();
  for (const m of body.matchAll(VARIABLE_RE)) {
    const key = m[1]!.toUpperCase();
    if (!seen.has(key)) seen.set(key, m[1]!);
  }
  return [...seen.values()];
}

export interface ContactFields {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  metadata?: Record<string, unknown>;
}

export function contactValues(contact: ContactFields | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!contact) return out;
  for (const [k, v] of Object.entries(contact.metadata ?? {})) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out.set(k.toUpperCase(), String(v));
  }
  const name = contact.name?.trim();
  if (name) {
    const [first, ...rest] = name.split(/\s+/);
    out.set("NAME", name);
    out.set("FULL_NAME", name);
    out.set("FIRST_NAME", first!);
    if (rest.length > 0) out.set("LAST_NAME", rest.join(" "));
  }
  if (contact.email) out.set("EMAIL", contact.email);
  if (contact.phone) out.set("PHONE", contact.phone);
  return out;
}

/** Rendering stopped because the text grew past `limit` characters. */
export class RenderLimitError extends Error {
  constructor(readonly limit: number) {
    super(`the rendered text is longer than ${limit} characters`);
    this.name = "RenderLimitError";
  }
}

export interface RenderInput {
  body: string;
  fallbackStrategy: FallbackStrategy;
  defaultValues?: Record<string, string>;
  contact?: ContactFields;
  customValues?: Record<string, string>;
  /** Applied to every value put in (not to placeholders kept as written): HTML escaping for HTML parts. */
  escape?: (value: string) => string;
  /**
   * Most characters (UTF-16 units) the text may have. Rendering throws RenderLimitError as soon as
   * it grows past it, before the whole text is built: a 66 KB template of {A} placeholders with a
   * 1,000-character value would otherwise build 21.8M characters (~250 MB) first.
   */
  maxLength?: number;
}

export interface Rendered {
  text: string;
  /** True when the skip strategy met a missing variable: no message for this contact. */
  skipped: boolean;
  missing: string[];
  defaulted: string[];
}

const upperKeys = (r: Record<string, string> | undefined) =>
  new Map(Object.entries(r ?? {}).map(([k, v]) => [k.toUpperCase(), v]));

export function render(input: RenderInput): Rendered {
  const custom = upperKeys(input.customValues);
  const fromContact = contactValues(input.contact);
  const defaults = upperKeys(input.defaultValues);
  // Keyed by the upper-cased name, keeping the first spelling: {j} and {J} are one variable.
  const missing = new Map<string, string>();
  const defaulted = new Map<string, string>();
  const escape = input.escape ?? ((v: string) => v);
  const max = input.maxLength ?? Infinity;
  let length = input.body.length;
  if (length > max) throw new RenderLimitError(max);
  const put = (whole: string, value: string) => {
    const out = escape(value);
    length += out.length - whole.length;
    if (length > max) throw new RenderLimitError(max);
    return out;
  };
  const text = input.body.replace(VARIABLE_RE, (whole, name: string) => {
    const key = name.toUpperCase();
    const value = custom.get(key) ?? fromContact.get(key);
    if (value !== undefined) return put(whole, value);
    if (!missing.has(key)) missing.set(key, name);
    if (input.fallbackStrategy === "use_default") {
      if (!defaulted.has(key)) defaulted.set(key, name);
      return put(whole, defaults.get(key) ?? "");
    }
    return whole;
  });
  const skipped = input.fallbackStrategy === "skip" && missing.size > 0;
  return { text: skipped ? "" : text, skipped, missing: [...missing.values()], defaulted: [...defaulted.values()] };
}
