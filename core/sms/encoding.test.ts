import { describe, expect, it } from "vitest";
import {
  GSM7_BASIC,
  concatUdh,
  decodeGsm7,
  decodeUcs2,
  detectEncoding,
  encodeGsm7,
  encodeUcs2,
  encodedLength,
  isGsm7,
  parseUdh,
  segmentInfo,
  splitSegments,
} from "./encoding.js";

describe("GSM-7 alphabet", () => {
  it("has 128 positions with the documented anchors", () => {
    expect([...GSM7_BASIC]).toHaveLength(128);
    expect(GSM7_BASIC[0x00]).toBe("@");
    expect(GSM7_BASIC[0x02]).toBe("$");
    expect(GSM7_BASIC[0x10]).toBe("Δ");
    expect(GSM7_BASIC[0x20]).toBe(" ");
    expect(GSM7_BASIC[0x40]).toBe("¡");
    expect(GSM7_BASIC[0x41]).toBe("A");
    expect(GSM7_BASIC[0x60]).toBe("¿");
    expect(GSM7_BASIC[0x7f]).toBe("à");
  });

  it.each([
    ["plain ASCII", "Hello world 123", true],
    ["GSM accented letters", "Ça coûte 5€ à Zürich", false], // û is not in GSM-7
    ["basic table symbols", "Δ_ΦΓΛΩ £$¥ èéùìò", true],
    ["extension table", "{[~]}|^\\€", true],
    ["backtick is not GSM", "`code`", false],
    ["Amharic", "ሰላም", false],
    ["emoji", "ok 👍", false],
  ] as const)("%s → gsm7=%s", (_n, text, gsm) => {
    expect(isGsm7(text)).toBe(gsm);
    expect(detectEncoding(text)).toBe(gsm ? "gsm7" : "ucs2");
  });

  it("extension characters cost two septets", () => {
    expect(encodedLength("€", "gsm7")).toBe(2);
    expect(encodedLength("a{b}", "gsm7")).toBe(6);
    expect([...encodeGsm7("€[")]).toEqual([0x1b, 0x65, 0x1b, 0x3c]);
  });

  it("encodes and decodes round-trip, including @ (0x00) and extension chars", () => {
    const text = "@Price: 10€ {ok} [x] ~ | ^ \\ Δ";
    const bytes = encodeGsm7(text);
    expect(bytes[0]).toBe(0x00);
    expect(decodeGsm7(bytes)).toBe(text);
  });

  it("refuses a character outside the alphabet", () => {
    expect(() => encodeGsm7("ሰ")).toThrow(RangeError);
  });
});

describe("UCS-2", () => {
  it("is big-endian UTF-16 and round-trips astral characters", () => {
    expect([...encodeUcs2("Aሰ")]).toEqual([0x00, 0x41, 0x12, 0x30]);
    expect(decodeUcs2(encodeUcs2("ሰላም 👍"))).toBe("ሰላም 👍");
  });
  it("emoji count as two units", () => {
    expect(encodedLength("👍", "ucs2")).toBe(2);
  });
});

describe("segment counting (160/153 GSM-7, 70/67 UCS-2)", () => {
  it.each([
    ["160 GSM chars = 1 segment", "a".repeat(160), 1, "gsm7", 160],
    ["161 GSM chars = 2 segments", "a".repeat(161), 2, "gsm7", 153],
    ["306 GSM chars = 2 segments", "a".repeat(306), 2, "gsm7", 153],
    ["307 GSM chars = 3 segments", "a".repeat(307), 3, "gsm7", 153],
    ["80 € signs = 160 septets = 1 segment", "€".repeat(80), 1, "gsm7", 160],
    ["81 € signs = 162 septets = 2 segments", "€".repeat(81), 2, "gsm7", 153],
    ["70 UCS-2 chars = 1 segment", "ሰ".repeat(70), 1, "ucs2", 70],
    ["71 UCS-2 chars = 2 segments", "ሰ".repeat(71), 2, "ucs2", 67],
    ["134 UCS-2 chars = 2 segments", "ሰ".repeat(134), 2, "ucs2", 67],
    ["135 UCS-2 chars = 3 segments", "ሰ".repeat(135), 3, "ucs2", 67],
    ["one emoji turns 160 GSM chars into 3 UCS-2 segments", "a".repeat(159) + "👍", 3, "ucs2", 67],
  ] as const)("%s", (_n, text, segments, encoding, perSegment) => {
    expect(segmentInfo(text)).toMatchObject({ segments, encoding, perSegment });
    expect(splitSegments(text)).toHaveLength(segments);
    expect(splitSegments(text).join("")).toBe(text);
  });

  it("never splits an escape sequence across segments", () => {
    const text = "a".repeat(152) + "€" + "b".repeat(10);
    const parts = splitSegments(text);
    expect(parts[0]).toBe("a".repeat(152));
    expect(parts[1]!.startsWith("€")).toBe(true);
    for (const p of parts) expect(encodedLength(p, "gsm7")).toBeLessThanOrEqual(153);
  });

  it("never splits a surrogate pair", () => {
    const text = "ሰ".repeat(66) + "👍" + "ሰ".repeat(10);
    const parts = splitSegments(text);
    expect(parts[0]).toBe("ሰ".repeat(66));
    expect(parts[1]!.startsWith("👍")).toBe(true);
  });
});

describe("concatenation UDH", () => {
  it("builds the 8-bit reference header and parses it back", () => {
    const udh = concatUdh(0x1a2, 3, 2);
    expect([...udh]).toEqual([0x05, 0x00, 0x03, 0xa2, 0x03, 0x02]);
    const msg = Buffer.concat([udh, Buffer.from("hi")]);
    expect(parseUdh(msg)).toEqual({ concat: { reference: 0xa2, total: 3, sequence: 2 }, payload: Buffer.from("hi") });
  });
  it("parses a 16-bit reference header", () => {
    const msg = Buffer.from([0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01, 0x41]);
    expect(parseUdh(msg).concat).toEqual({ reference: 0x1234, total: 2, sequence: 1 });
  });
});
