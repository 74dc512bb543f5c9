/**
 * Property tests of SMS segmenting on texts mixing the GSM-7 alphabet, its two-septet extension
 * characters, other BMP characters and astral ones (emoji, two UTF-16 code units): segments join
 * back to the text, each fits its encoding's limit in the units that encoding counts, no escape
 * sequence or surrogate pair is cut, and GSM-7 detection agrees with what can be encoded.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  GSM7_BASIC,
  GSM7_EXTENSION,
  SEGMENT_LIMITS,
  decodeGsm7,
  decodeUcs2,
  detectEncoding,
  encodeGsm7,
  encodeUcs2,
  encodedLength,
  isGsm7,
  segmentInfo,
  splitSegments,
} from "./encoding.js";

const RUNS = { numRuns: 500 };
const basic = fc.constantFrom(...[...GSM7_BASIC].filter((c) => c !== "\x1B"));
const extension = fc.constantFrom(...GSM7_EXTENSION.keys());
const bmp = fc.constantFrom("é", "ç", "ł", "Ж", "中", "ا", "\u00A0", "\x1B", "`");
const astral = fc.constantFrom("😀", "👍🏽", "𝄞", "🇪🇹");

/** GSM-7-only texts, and texts where any character may force UCS-2. */
const gsmText = fc.array(fc.oneof({ weight: 8, arbitrary: basic }, { weight: 2, arbitrary: extension }), {
  maxLength: 500,
});
const anyText = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: basic },
    { weight: 2, arbitrary: extension },
    { weight: 1, arbitrary: bmp },
    { weight: 1, arbitrary: astral },
  ),
  { maxLength: 400 },
);

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

describe("SMS segmenting", () => {
  it("splits any text into segments that join back to it and each fit the encoding's limit", () => {
    fc.assert(
      fc.property(fc.oneof(gsmText, anyText), (chars) => {
        const text = chars.join("");
        const encoding = detectEncoding(text);
        const parts = splitSegments(text, encoding);
        expect(parts.join("")).toBe(text);
        const limit = parts.length > 1 ? SEGMENT_LIMITS[encoding].multi : SEGMENT_LIMITS[encoding].single;
        for (const part of parts) {
          // Counted the way the wire counts: septets once encoded (an escape and its code are
          // two), or UTF-16 code units.
          const units = encoding === "gsm7" ? encodeGsm7(part).length : part.length;
          expect(units).toBeLessThanOrEqual(limit);
          expect(units).toBe(encodedLength(part, encoding));
        }
        if (parts.length > 1) for (const part of parts) expect(part.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it("never cuts a surrogate pair or an escape sequence, and uses no more segments than needed", () => {
    fc.assert(
      fc.property(anyText, (chars) => {
        const text = chars.join("");
        const encoding = detectEncoding(text);
        const parts = splitSegments(text, encoding);
        for (const part of parts) {
          expect(isHigh(part.charCodeAt(part.length - 1))).toBe(false);
          expect(isLow(part.charCodeAt(0))).toBe(false);
          if (encoding === "gsm7") expect(decodeGsm7(encodeGsm7(part))).toBe(part);
        }
        // A segment ends early only to keep a two-unit character whole, so it never wastes more
        // than one unit.
        const { units, segments } = segmentInfo(text);
        const limits = SEGMENT_LIMITS[encoding];
        if (segments > 1) {
          expect(segments).toBeGreaterThanOrEqual(Math.ceil(units / limits.multi));
          expect(segments).toBeLessThanOrEqual(Math.ceil(units / (limits.multi - 1)));
        } else expect(units).toBeLessThanOrEqual(limits.single);
      }),
      RUNS,
    );
  });

  it("detects GSM-7 exactly when the text can be encoded in it, and both encodings round-trip", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          gsmText.map((c) => c.join("")),
          anyText.map((c) => c.join("")),
          fc.string(),
        ),
        (text) => {
          let encodable = true;
          try {
            encodeGsm7(text);
          } catch {
            encodable = false;
          }
          expect(isGsm7(text)).toBe(encodable);
          expect(detectEncoding(text)).toBe(encodable ? "gsm7" : "ucs2");
          if (encodable) expect(decodeGsm7(encodeGsm7(text))).toBe(text);
          expect(decodeUcs2(encodeUcs2(text))).toBe(text);
        },
      ),
      RUNS,
    );
  });
});
