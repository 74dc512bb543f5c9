/**
 * Joins the segments of a concatenated SMS the SMSC received (submit_sm with a UDH carrying the
 * 8- or 16-bit concatenation element) into one received message: its text, data coding, segment
 * count and whether UDH concatenation was used, as a handset would show and a test checks it.
 */

import { encodingForDataCoding } from "../../core/sms/encoding.js";
import type { ReceivedContent } from "./received.js";

/** A submit_sm's fields, as the smpp package decodes them. */
type SubmitPdu = Record<string, unknown>;
/** short_message: the text (or bytes) and, with UDHI set, the UDH elements. */
type ShortMessage = { udh?: Buffer[]; message?: string | Buffer } | string | Buffer | undefined;

interface Pending {
  parts: Map<number, { text: string; id: string }>;
  total: number;
}

const ESM_UDHI = 0x40;
/** Partial messages kept at most: a segment refused by a fault drill leaves its siblings waiting. */
const PENDING_MAX = 1_000;

function textOf(message: unknown): string {
  if (typeof message === "string") return message;
  if (Buffer.isBuffer(message)) return message.toString("latin1");
  if (message && typeof message === "object" && "message" in message) return textOf(message.message);
  return "";
}

/** The concatenation element of a UDH as the smpp package splits it: [IEI, length, …data]. */
function concatOf(udh: Buffer[] | undefined): { ref: number; total: number; seq: number } | null {
  for (const e of udh ?? []) {
    if (e[0] === 0x00 && e[1] === 3) return { ref: e[2]!, total: e[3]!, seq: e[4]! };
    if (e[0] === 0x08 && e[1] === 4) return { ref: e.readUInt16BE(2), total: e[4]!, seq: e[5]! };
  }
  return null;
}

export class SegmentJoiner {
  private readonly pending = new Map<string, Pending>();

  /** Returns the whole message once its last missing segment arrives (at once for a single one). */
  add(systemId: string, pdu: SubmitPdu, messageId: string): { id: string; content: ReceivedContent } | undefined {
    const dataCoding = Number(pdu.data_coding ?? 0);
    const base = {
      sender: typeof pdu.source_addr === "string" ? pdu.source_addr : null,
      encoding: encodingForDataCoding(dataCoding),
      dataCoding,
    };
    const sm = pdu.short_message as ShortMessage;
    const udh = typeof sm === "object" && !Buffer.isBuffer(sm) ? sm.udh : undefined;
    const concat = Number(pdu.esm_class ?? 0) & ESM_UDHI ? concatOf(udh) : null;
    if (!concat || concat.total <= 1) {
      const text = pdu.message_payload !== undefined ? textOf(pdu.message_payload) : textOf(sm);
      return { id: messageId, content: { ...base, text, segments: 1, udh: Boolean(udh?.length) } };
    }
    const key = `${systemId}|${String(pdu.source_addr)}|${String(pdu.destination_addr)}|${concat.ref}|${concat.total}`;
    let entry = this.pending.get(key);
    if (!entry) {
      if (this.pending.size >= PENDING_MAX) this.pending.delete(this.pending.keys().next().value!);
      this.pending.set(key, (entry = { parts: new Map(), total: concat.total }));
    }
    entry.parts.set(concat.seq, { text: textOf(sm), id: messageId });
    if (entry.parts.size < entry.total) return undefined;
    this.pending.delete(key);
    const ordered = [...entry.parts.entries()].sort(([a], [b]) => a - b).map(([, p]) => p);
    return {
      id: ordered[0]!.id,
      content: { ...base, text: ordered.map((p) => p.text).join(""), segments: entry.total, udh: true },
    };
  }
}
