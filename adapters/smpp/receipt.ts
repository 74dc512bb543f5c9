/**
 * SMPP delivery receipts as SMSCs send them: the receipt text of SMPP 3.4 Appendix B and its TLVs, read
 * into a delivery status, an error and dates.
 */

import type { DeliveryStatus } from "../../core/messages/vocabulary.js";
import { MESSAGE_STATE, RECEIPT_STAT } from "./vocabulary.js";

export interface ParsedReceipt {
  /** The message id as the receipt states it (TLV preferred over text). */
  id: string;
  /**
   * Where the id came from: the receipted_message_id TLV holds the submit_sm_resp id itself; the
   * text's `id:` is in whatever form the SMSC writes receipts (see receipt_id_radix).
   */
  idSource: "tlv" | "text";
  status: DeliveryStatus;
  stat: string;
  err: string | null;
  submitDate: string | null;
  doneDate: string | null;
  text: string | null;
  networkErrorCode: string | null;
}

/** The fields of SMPP 3.4 Appendix B in the order it lays them out; `text` is always last. */
const FIELDS = ["id", "sub", "dlvrd", "submit date", "done date", "stat", "err"] as const;
/** A field name at a word boundary (start of the text or after white space), followed by a colon. */
const FIELD = /(?<=^|\s)(id|sub|dlvrd|submit date|done date|stat|err):/gi;
const TEXT = /(?<=^|\s)text:/i;

/**
 * Parse the receipt text of SMPP 3.4 Appendix B,
 * "id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:…",
 * tolerating the variations SMSCs produce (case, missing fields, extra spaces). `text:` carries the
 * start of the customer's own message ("Order id:2589"), so everything after the first `text:` is
 * that field's value and never searched for fields. The fields before it are read in the layout's
 * order, each name at a word boundary ("paid:" holds no `id:`); a name out of order is not a field.
 */
export function parseReceiptText(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const textMark = TEXT.exec(text);
  const head = textMark ? text.slice(0, textMark.index) : text;
  const marks = [...head.matchAll(FIELD)].map((m) => ({
    key: m[1]!.toLowerCase() as (typeof FIELDS)[number],
    start: m.index,
    valueStart: m.index + m[0].length,
  }));
  let next = 0;
  marks.forEach((mark, i) => {
    const position = FIELDS.indexOf(mark.key);
    if (position < next) return;
    next = position + 1;
    out[mark.key] = head.slice(mark.valueStart, marks[i + 1]?.start ?? head.length).trim();
  });
  if (textMark) out.text = text.slice(textMark.index + textMark[0].length);
  return out;
}

export interface ReceiptInputs {
  text: string | null;
  receiptedMessageId: string | null;
  messageState: number | null;
  networkErrorCode: Buffer | null;
}

export function parseReceipt(input: ReceiptInputs): ParsedReceipt | null {
  const fields = input.text ? parseReceiptText(input.text) : {};
  const tlvId = input.receiptedMessageId?.replace(/\0+$/, "");
  const id = tlvId || fields.id;
  if (!id) return null;
  const fromState = input.messageState !== null ? MESSAGE_STATE.get(input.messageState) : undefined;
  const stat = fromState?.stat ?? fields.stat?.toUpperCase();
  const status = fromState?.status ?? (stat ? RECEIPT_STAT.get(stat) : undefined);
  if (!stat || !status) return null;
  const net =
    input.networkErrorCode && input.networkErrorCode.length >= 3
      ? `${input.networkErrorCode[0]}:${input.networkErrorCode.readUInt16BE(1)}`
      : null;
  const err = fields.err && !/^0+$/.test(fields.err) ? fields.err : null;
  return {
    id,
    idSource: tlvId ? "tlv" : "text",
    status,
    stat,
    err,
    submitDate: fields["submit date"] ?? null,
    doneDate: fields["done date"] ?? null,
    text: fields.text ?? null,
    networkErrorCode: net,
  };
}

const DATE_LAYOUTS = [
  { digits: 10, year: 2 },
  { digits: 12, year: 2 },
  { digits: 12, year: 4 },
  { digits: 14, year: 4 },
] as const;

/**
 * A receipt date, YYMMDDhhmm[ss] or YYYYMMDDhhmm[ss] (UTC by convention), as ISO, or null when it
 * is not a real date: null is honest, a wrong date is not. Twelve digits fit both YYMMDDhhmmss and
 * YYYYMMDDhhmm; when both readings are real dates the one nearer `now` wins (a receipt reports
 * something that just happened).
 */
export function receiptDateToIso(value: string | null, now: Date = new Date()): string | null {
  const digits = value?.trim() ?? "";
  if (!/^\d+$/.test(digits)) return null;
  const readings = DATE_LAYOUTS.filter((l) => l.digits === digits.length)
    .map((l) => readDate(digits, l.year))
    .filter((d): d is Date => d !== null)
    .sort((a, b) => Math.abs(a.getTime() - now.getTime()) - Math.abs(b.getTime() - now.getTime()));
  return readings[0]?.toISOString() ?? null;
}

/** The date the digits spell with a year of `yearDigits` digits, or null when a field is out of range. */
function readDate(digits: string, yearDigits: 2 | 4): Date | null {
  const year = Number(digits.slice(0, yearDigits)) + (yearDigits === 2 ? 2000 : 0);
  const [month, day, hour, minute, second = 0] = (digits.slice(yearDigits).match(/\d\d/g) ?? []).map(Number);
  const d = new Date(Date.UTC(year, month! - 1, day, hour, minute, second));
  // Date.UTC rolls 30 February over into March: a date that does not read back is not a date.
  const readsBack =
    d.getUTCFullYear() === year &&
    d.getUTCMonth() === month! - 1 &&
    d.getUTCDate() === day &&
    d.getUTCHours() === hour &&
    d.getUTCMinutes() === minute &&
    d.getUTCSeconds() === second;
  return readsBack ? d : null;
}
