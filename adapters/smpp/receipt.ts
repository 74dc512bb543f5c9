/**
 * SMPP delivery receipts as SMSCs send them: the receipt text of SMPP 3.4 Appendix B and its TLVs, read
 * into a delivery status, an error and dates.
 */

import type { DeliveryStatus } from "../../core/messages/vocabulary.js";
import { MESSAGE_STATE, RECEIPT_STAT } from "./vocabulary.js";

export interface ParsedReceipt {
  /** The message id as the receipt states it (TLV preferred over text). */
  id: string;
  status: DeliveryStatus;
  stat: string;
  err: string | null;
  submitDate: string | null;
  doneDate: string | null;
  text: string | null;
  networkErrorCode: string | null;
}

const FIELD = /(id|sub|dlvrd|submit date|done date|stat|err|text):/gi;

/**
 * Parse the receipt text of SMPP 3.4 Appendix B,
 * "id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:…",
 * tolerating the variations SMSCs produce (case, missing fields, extra spaces).
 */
export function parseReceiptText(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const marks: Array<{ key: string; start: number; valueStart: number }> = [];
  for (const m of text.matchAll(FIELD))
    marks.push({ key: m[1]!.toLowerCase(), start: m.index, valueStart: m.index + m[0].length });
  marks.forEach((mark, i) => {
    const end = i + 1 < marks.length ? marks[i + 1]!.start : text.length;
    const value = text.slice(mark.valueStart, end);
    out[mark.key] = mark.key === "text" ? value : value.trim();
  });
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
  const id = input.receiptedMessageId?.replace(/\0+$/, "") || fields.id;
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
    status,
    stat,
    err,
    submitDate: fields["submit date"] ?? null,
    doneDate: fields["done date"] ?? null,
    text: fields.text ?? null,
    networkErrorCode: net,
  };
}

/** YYMMDDhhmm[ss] (UTC by convention) → ISO, or null. */
export function receiptDateToIso(value: string | null): string | null {
  const m = value ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/.exec(value) : null;
  if (!m) return null;
  const iso = `20${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? "00"}Z`;
  return Number.isNaN(Date.parse(iso)) ? null : new Date(iso).toISOString();
}
