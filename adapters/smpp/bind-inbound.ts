/**
 * What arrives on an SMPP bind: deliver_sm (and data_sm) carrying delivery receipts, matched to
 * the segments the SMSC acknowledged, and MO messages, reassembled from their parts. A receipt
 * may overtake its submit_sm_resp (SMSCs do send receipts first), so unmatched receipts are held
 * for a while. Acknowledged segments live here, not in the TCP connection, so a receipt that
 * arrives on a later bind still finds its message.
 */

import { randomUUID } from "node:crypto";
import type smpp from "smpp";
import type { Logger } from "../../core/logger.js";
import {
  inboundMessage,
  statusUpdate,
  type InboundMessage,
  type StatusUpdate,
} from "../../core/messages/vocabulary.js";
import type { ConcatInfo } from "../../core/sms/encoding.js";
import type { ReceiptIdRadix } from "./credentials.js";
import { IdIndex, receiptIdInSubmitForm } from "./message-ids.js";
import { MoAssembler } from "./mo-assembler.js";
import { parseReceipt, receiptDateToIso, type ParsedReceipt } from "./receipt.js";
import { ESM_DELIVERY_RECEIPT, ESM_INTERMEDIATE_NOTIFICATION, ESM_TYPE_MASK } from "./vocabulary.js";

/** A segment the SMSC acknowledged, waiting for its final receipt. */
export interface Outstanding {
  messageId: string;
  providerId: string;
  segment: number;
  segments: number;
  submittedAt: number;
}

interface OrphanReceipt {
  receipt: ParsedReceipt;
  at: number;
}

export class BindInbound {
  private readonly outstanding = new IdIndex<Outstanding>();
  private readonly orphans = new IdIndex<OrphanReceipt>();
  private readonly mo = new MoAssembler();
  private readonly receiptListeners: Array<(u: StatusUpdate) => void> = [];
  private readonly inboundListeners: Array<(m: InboundMessage) => void> = [];
  private readonly counters = { receipts: 0, orphanReceipts: 0, inbound: 0 };

  constructor(
    private readonly logger: Logger,
    /** How long a receipt that matches no submit is kept in case its submit_sm_resp is still coming. */
    private readonly orphanReceiptTtlMs: number,
    /** How the SMSC writes receipt ids compared with submit_sm_resp ids (the channel's receipt_id_radix). */
    private readonly receiptIdRadix: ReceiptIdRadix = "same",
  ) {}

  onReceipt(listener: (u: StatusUpdate) => void): void {
    this.receiptListeners.push(listener);
  }

  onInbound(listener: (m: InboundMessage) => void): void {
    this.inboundListeners.push(listener);
  }

  /** Segments acknowledged and still waiting for a final receipt. */
  get awaitingReceipt(): number {
    return this.outstanding.size;
  }

  stats() {
    return { awaitingReceipt: this.outstanding.size, heldReceipts: this.orphans.size, ...this.counters };
  }

  /** Remembers an acknowledged segment; delivers a receipt that raced ahead of its submit_sm_resp. */
  acknowledged(o: Outstanding): void {
    const early = this.orphans.find(o.providerId);
    this.outstanding.add(o.providerId, o);
    if (early) {
      this.orphans.delete(early);
      this.logger.debug({ providerId: o.providerId }, "receipt arrived before submit_sm_resp; matched now");
      this.emitReceipt(o, early.receipt);
    }
  }

  /** A deliver_sm or data_sm: a delivery receipt or (a part of) an MO message. */
  deliver(pdu: smpp.PDU): void {
    const esm = Number(pdu.esm_class ?? 0);
    const type = esm & ESM_TYPE_MASK;
    const body = (pdu.short_message ?? pdu.message_payload) as
      { message?: string | Buffer; udh?: Buffer[] } | undefined;
    const text =
      typeof body?.message === "string" ? body.message : body?.message ? body.message.toString("latin1") : "";
    const receiptedId = typeof pdu.receipted_message_id === "string" ? pdu.receipted_message_id : null;
    if (type === ESM_DELIVERY_RECEIPT || type === ESM_INTERMEDIATE_NOTIFICATION || receiptedId) {
      const receipt = parseReceipt({
        text,
        receiptedMessageId: receiptedId,
        messageState: typeof pdu.message_state === "number" ? pdu.message_state : null,
        networkErrorCode: Buffer.isBuffer(pdu.network_error_code) ? pdu.network_error_code : null,
      });
      if (!receipt) {
        this.logger.warn({ esm }, "unparseable delivery receipt ignored");
        return;
      }
      this.onReceiptPdu(receipt);
      return;
    }
    const assembled = this.mo.add({
      source: typeof pdu.source_addr === "string" ? pdu.source_addr : "",
      destination: typeof pdu.destination_addr === "string" ? pdu.destination_addr : "",
      text,
      concat: concatFromUdh(body?.udh ?? [], pdu),
      dataCoding: Number(pdu.data_coding ?? 0),
    });
    for (const m of assembled) {
      this.counters.inbound++;
      const msg = inboundMessage({
        providerMessageId: randomUUID(),
        from: m.source.startsWith("+") || !/^\d+$/.test(m.source) ? m.source : `+${m.source}`,
        to: m.destination,
        text: m.text,
        metadata: { parts: m.parts, complete: m.complete, dataCoding: m.dataCoding },
      });
      for (const l of this.inboundListeners) l(msg);
    }
  }

  private onReceiptPdu(receipt: ParsedReceipt): void {
    // The TLV holds the submit_sm_resp id itself; only the text's id may be in the other radix.
    const submitId = receipt.idSource === "tlv" ? receipt.id : receiptIdInSubmitForm(receipt.id, this.receiptIdRadix);
    const match = this.outstanding.find(submitId);
    if (!match) {
      // The submit_sm_resp may still be in flight (SMSCs do send receipts first): hold it.
      this.purgeOrphans();
      this.counters.orphanReceipts++;
      this.orphans.add(submitId, { receipt, at: Date.now() });
      return;
    }
    this.emitReceipt(match, receipt);
  }

  private purgeOrphans(): void {
    const limit = Date.now() - this.orphanReceiptTtlMs;
    for (const o of [...this.orphans.values()]) if (o.at < limit) this.orphans.delete(o);
  }

  private emitReceipt(o: Outstanding, r: ParsedReceipt): void {
    this.counters.receipts++;
    if (r.status !== "sent") this.outstanding.delete(o);
    const update = statusUpdate({
      providerMessageId: o.providerId,
      status: r.status,
      errorCode: r.status === "failed" ? (r.err ? `${r.stat}:${r.err}` : r.stat) : null,
      errorMessage:
        r.status === "failed"
          ? `${r.stat}${r.err ? ` err:${r.err}` : ""}${r.networkErrorCode ? ` net:${r.networkErrorCode}` : ""}`
          : null,
      occurredAt: receiptDateToIso(r.doneDate),
      metadata: { messageId: o.messageId, segment: o.segment, segments: o.segments, receiptId: r.id, stat: r.stat },
    });
    for (const l of this.receiptListeners) l(update);
  }
}

/** Concatenation info from the UDH IEs the smpp package splits out, or from SAR TLVs. */
function concatFromUdh(udh: Buffer[], pdu: smpp.PDU): ConcatInfo | null {
  for (const ie of udh) {
    if (ie[0] === 0x00 && ie[1] === 3 && ie.length >= 5) return { reference: ie[2]!, total: ie[3]!, sequence: ie[4]! };
    if (ie[0] === 0x08 && ie[1] === 4 && ie.length >= 6)
      return { reference: ie.readUInt16BE(2), total: ie[4]!, sequence: ie[5]! };
  }
  if (
    typeof pdu.sar_msg_ref_num === "number" &&
    typeof pdu.sar_total_segments === "number" &&
    typeof pdu.sar_segment_seqnum === "number"
  ) {
    return { reference: pdu.sar_msg_ref_num, total: pdu.sar_total_segments, sequence: pdu.sar_segment_seqnum };
  }
  return null;
}
