/**
 * Property tests of templating on generated templates: text with `{VARIABLE}` placeholders,
 * braces and near-miss placeholders around them, values from custom values and the contact, each
 * fallback strategy. Rendering never throws, leaves no known variable unreplaced, HTML-escapes
 * what it puts into an HTML part, and the variables extracted from a template are exactly the
 * ones rendering looks up. Inputs stay small: these are rules, not sizes.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { composeForChannel, escapeHtml, renderParts } from "./content/compose.js";
import { templateVariables } from "./content/template-parts.js";
import { extractVariables, render } from "./templating.js";

const RUNS = { numRuns: 400 };
const NAMES = ["NAME", "FIRST_NAME", "city", "Code", "ORDER_ID", "x1", "A_B"];
const STRATEGIES = ["keep", "use_default", "skip"] as const;

const variableName = fc.oneof(fc.constantFrom(...NAMES), fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,10}$/));
/** Template text: literal pieces (with stray braces and near misses) and placeholders. */
const template = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom("{", "}", "{}", "{1X}", "{ NAME}", "{{", "}}", "<b>", "&amp;", '"'),
      variableName.map((n) => `{${n}}`),
    ),
    { maxLength: 12 },
  )
  .map((pieces) => pieces.join(""));
/**
 * A value never contains braces and always ends in a space, so a value put between a template's
 * own braces can never spell a new placeholder.
 */
const value = fc.string({ maxLength: 20 }).map((s) => `${s.replace(/[{}]/g, "")} `);
const upper = (names: string[]) => names.map((n) => n.toUpperCase());

describe("templating", () => {
  it("never throws and replaces every variable it has a value for, whatever the template", () => {
    fc.assert(
      fc.property(
        template,
        fc.constantFrom(...STRATEGIES),
        fc.dictionary(variableName, value, { maxKeys: 8 }),
        (body, strategy, customValues) => {
          const r = render({ body, fallbackStrategy: strategy, customValues });
          const known = new Set(upper(Object.keys(customValues)));
          const left = upper(extractVariables(r.text));
          for (const name of left) expect(known.has(name)).toBe(false);
          // What is missing is exactly what the template uses and no value was given for.
          const used = upper(extractVariables(body));
          expect(new Set(upper(r.missing))).toEqual(new Set(used.filter((n) => !known.has(n))));
          expect(r.skipped).toBe(strategy === "skip" && r.missing.length > 0);
        },
      ),
      RUNS,
    );
  });

  it("looks up exactly the variables it extracts, case-insensitively, in order of first use", () => {
    fc.assert(
      fc.property(template, (body) => {
        const extracted = extractVariables(body);
        const r = render({ body, fallbackStrategy: "keep" });
        expect(r.missing).toEqual(extracted);
        expect(new Set(upper(extracted)).size).toBe(extracted.length);
        // With a value for each extracted variable, nothing is missing.
        const all = Object.fromEntries(extracted.map((n) => [n.toLowerCase(), "v "]));
        expect(render({ body, fallbackStrategy: "skip", customValues: all }).missing).toEqual([]);
      }),
      RUNS,
    );
  });

  it("escapes every value it puts into an e-mail's HTML part, and only there", () => {
    const plainHtml = template.map((t) => t.replace(/[<>&"']/g, ""));
    fc.assert(
      fc.property(plainHtml, fc.string({ maxLength: 30 }), (html, raw) => {
        const names = extractVariables(html);
        const customValues = Object.fromEntries(names.map((n) => [n, raw]));
        const composed = composeForChannel(
          "email",
          { body: "", fallbackStrategy: "keep", email: { subject: "{NAME}", html, text: "{NAME}" } },
          { customValues: { ...customValues, NAME: raw } },
          {},
        );
        // The template's HTML had no markup characters, so any left are escapes of the values.
        expect(composed.options.html).not.toMatch(/[<>"']/);
        expect(composed.options.html).toBe(html.replace(/\{([A-Za-z][A-Za-z0-9_]{0,63})\}/g, () => escapeHtml(raw)));
        expect(composed.options.subject).toBe(raw);
        expect(composed.body).toBe(raw);
      }),
      RUNS,
    );
  });

  it("reports the variables of every part of a template, and a preview renders them all", () => {
    fc.assert(
      fc.property(template, template, template, fc.constantFrom(...STRATEGIES), (body, subject, html, strategy) => {
        const vars = templateVariables(body, { subject, html }, null);
        const preview = renderParts(
          { body, email: { subject, html }, fallbackStrategy: strategy },
          { customValues: Object.fromEntries(vars.map((n) => [n, "v "])) },
        );
        expect(preview.skipped).toBe(false);
        expect(preview.missing).toEqual([]);
        for (const text of [preview.body, preview.email!.subject, preview.email!.html!])
          for (const left of upper(extractVariables(text))) expect(upper(vars)).not.toContain(left);
        // Without values, what is missing is the same set of variables.
        const empty = renderParts({ body, email: { subject, html }, fallbackStrategy: "keep" }, {});
        expect(new Set(upper(empty.missing))).toEqual(new Set(upper(vars)));
      }),
      RUNS,
    );
  });
});
