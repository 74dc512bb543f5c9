/**
 * SMS text encoding as pure functions: which alphabet a text needs, how many segments it costs,
 * how to split it, and the concatenation header (UDH) that glues segments back together.
 * Limits: 3GPP TS 23.038 (GSM 7-bit default alphabet and extension table) and
 * 3GPP TS 23.040 §9.2.3.24.1 (concatenated short messages, 8-bit reference).
 */

/** GSM 03.38 default alphabet; the index of a character is its septet value. 0x1B is the escape. */
export const GSM7_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1BÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/** Extension table: each costs two septets (ESC + code). */
export const GSM7_EXTENSION: ReadonlyMap<string, number> = new Map([
  ["\f", 0x0a],
  ["^", 0x14],
  ["{", 0x28],
  ["}", 0x29],
  ["\\", 0x2f],
  ["[", 0x3c],
  ["~", 0x3d],
  ["]", 0x3e],
  ["|", 0x40],
  ["€", 0x65],
]);

const BASIC_INDEX = new Map<string, number>([...GSM7_BASIC].map((ch, i) => [ch, i]));
const EXTENSION_BY_CODE = new Map<number, string>([...GSM7_EXTENSION].map(([ch, code]) => [code, ch]));
const ESC = 0x1b;

export type SmsEncoding = "gsm7" | "ucs2";

/** Single-segment and per-segment-when-concatenated capacity (UDH of 6 octets takes the difference). */
export const SEGMENT_LIMITS = {
  gsm7: { single: 160, multi: 153 },
  ucs2: { single: 70, multi: 67 },
} as const;

export function isGsm7(text: string): boolean {
  for (const ch of text) {
    if (ch === "\x1B") return false; // a raw escape is not user text
    if (!BASIC_INDEX.has(ch) && !GSM7_EXTENSION.has(ch)) return false;
  }
  return true;
}

export function detectEncoding(text: string): SmsEncoding {
  return isGsm7(text) ? "gsm7" : "ucs2";
}

/** Septets a character costs in GSM-7. */
function gsmCost(ch: string): number {
  return GSM7_EXTENSION.has(ch) ? 2 : 1;
}

/** UTF-16 code units a character costs in UCS-2 (astral characters such as emoji take two). */
function ucsCost(ch: string): number {
  return ch.length;
}

/** Length in the encoding's units: septets for GSM-7, UTF-16 code units for UCS-2. */
export function encodedLength(text: string, encoding: SmsEncoding = detectEncoding(text)): number {
  let total = 0;
  for (const ch of text) total += encoding === "gsm7" ? gsmCost(ch) : ucsCost(ch);
  return total;
}

/**
 * Split a text into segment-sized parts. Never splits an escape sequence or a surrogate pair:
 * a part ends early instead, which is what handsets expect when they reassemble.
 */
export function splitSegments(text: string, encoding: SmsEncoding = detectEncoding(text)): string[] {
  const limits = SEGMENT_LIMITS[encoding];
  const cost = encoding === "gsm7" ? gsmCost : ucsCost;
  if (encodedLength(text, encoding) <= limits.single) return [text];
  const parts: string[] = [];
  let current = "";
  let used = 0;
  for (const ch of text) {
    const c = cost(ch);
    if (used + c > limits.multi) {
      parts.push(current);
      current = "";
      used = 0;
    }
    current += ch;
    used += c;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

export interface SegmentInfo {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
  perSegment: number;
}

export function segmentInfo(text: string): SegmentInfo {
  const encoding = detectEncoding(text);
  const units = encodedLength(text, encoding);
  const segments = splitSegments(text, encoding).length;
  const limits = SEGMENT_LIMITS[encoding];
  return { encoding, units, segments, perSegment: segments > 1 ? limits.multi : limits.single };
}

/** GSM-7 as unpacked septets, one per octet — the form SMPP carries with data_coding 0. */
export function encodeGsm7(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const basic = BASIC_INDEX.get(ch);
    if (basic !== undefined && ch !== "\x1B") {
      out.push(basic);
      continue;
    }
    const ext = GSM7_EXTENSION.get(ch);
    if (ext === undefined) throw new RangeError(`character U+${ch.codePointAt(0)?.toString(16)} is not in GSM-7`);
    out.push(ESC, ext);
  }
  return Buffer.from(out);
}

export function decodeGsm7(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]! & 0x7f;
    if (b === ESC && i + 1 < bytes.length) {
      const ext = EXTENSION_BY_CODE.get(bytes[i + 1]! & 0x7f);
      i++;
      // Unknown extension codes fall back to the basic character, per TS 23.038.
      out += ext ?? GSM7_BASIC[bytes[i]! & 0x7f] ?? " ";
      continue;
    }
    out += GSM7_BASIC[b] ?? " ";
  }
  return out;
}

export function encodeUcs2(text: string): Buffer {
  const le = Buffer.from(text, "utf16le");
  return le.swap16();
}

export function decodeUcs2(bytes: Uint8Array): string {
  const copy = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  return copy.swap16().toString("utf16le");
}

export function encodeText(text: string, encoding: SmsEncoding): Buffer {
  return encoding === "gsm7" ? encodeGsm7(text) : encodeUcs2(text);
}

export function decodeText(bytes: Uint8Array, encoding: SmsEncoding): string {
  return encoding === "gsm7" ? decodeGsm7(bytes) : decodeUcs2(bytes);
}

/** SMPP data_coding values (SMPP 3.4 §5.2.19). */
export const DATA_CODING = { gsm7: 0x00, ucs2: 0x08 } as const;

export function encodingForDataCoding(dataCoding: number): SmsEncoding | "latin1" | "binary" {
  if (dataCoding === 0x08) return "ucs2";
  // 0x01 (IA5/ASCII) and 0x03 (Latin-1) both decode correctly as Latin-1.
  if (dataCoding === 0x01 || dataCoding === 0x03) return "latin1";
  if (dataCoding === 0x02 || dataCoding === 0x04) return "binary";
  return "gsm7";
}

export interface ConcatInfo {
  reference: number;
  total: number;
  sequence: number;
}

/** IEI 0x00: 8-bit reference concatenation header, 6 octets including the UDHL. */
export function concatUdh(reference: number, total: number, sequence: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, sequence]);
}

/** Read a UDH at the start of a short message: concatenation info (8- or 16-bit) and the payload. */
export function parseUdh(message: Uint8Array): { concat: ConcatInfo | null; payload: Buffer } {
  const buf = Buffer.from(message);
  if (buf.length === 0) return { concat: null, payload: buf };
  const udhl = buf[0]!;
  const end = 1 + udhl;
  if (end > buf.length) return { concat: null, payload: buf };
  let concat: ConcatInfo | null = null;
  let i = 1;
  while (i + 1 < end) {
    const iei = buf[i]!;
    const len = buf[i + 1]!;
    const data = buf.subarray(i + 2, i + 2 + len);
    if (iei === 0x00 && len === 3) concat = { reference: data[0]!, total: data[1]!, sequence: data[2]! };
    if (iei === 0x08 && len === 4) concat = { reference: data.readUInt16BE(0), total: data[2]!, sequence: data[3]! };
    i += 2 + len;
  }
  return { concat, payload: buf.subarray(end) };
}
