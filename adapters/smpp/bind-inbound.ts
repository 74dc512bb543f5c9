/**
 * What arrives on an SMPP bind: deliver_sm (and data_sm) carrying delivery receipts, matched to
 * the segments the SMSC acknowledged, and MO messages, reassembled from their parts. A receipt
 * may overtake its submit_sm_resp (SMSCs do send receipts first), so unmatched receipts are held
 * for a few seconds; one that no submit of this bind claims by then is published by its id, since
 * an SMSC delivers receipts on any bind of the account (another replica's, or this process's before
 * a restart) and the status consumer matches by provider id, parking what is not recorded yet.
 * Acknowledged segments live here, not in the TCP connection, so a receipt that arrives on a later
 * bind still finds its message.
 *
 * `deliver` answers with a promise that settles once what the PDU carried is handed on (the
 * listeners' promises: on the broker), a held receipt once its hold ends; the session answers the
 * deliver_sm only then, so a deliver_sm_resp with status 0 never stands for something held only in
 * this process's memory. A segment is forgotten only once its final receipt was handed on, so a
 * receipt refused and redelivered still finds it.
 *
 * The SMSC is the tenant's choice and may send anything: every map here is capped by count
 * (oldest out first, counted in stats()) and expired from its front, so a flood of unique ids
 * costs constant time per PDU and bounded memory per bind.
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
  submitId: string;
  receipt: ParsedReceipt;
  at: number;
  /** Settles the deliver_sm that carried it, once it is handed on. */
  handedOn: Settle;
}

interface Settle {
  resolve: () => void;
  reject: (err: unknown) => void;
}

type Listener<T> = (value: T) => void | Promise<void>;

/** Settles once every listener handed the value on; rejects when one could not. */
async function handOn<T>(listeners: Listener<T>[], value: T): Promise<void> {
  await Promise.all(listeners.map(async (l) => l(value)));
}

/** How much one bind holds at most. */
export interface BindLimits {
  /** Receipts that matched no acknowledged segment yet. */
  maxHeldReceipts?: number;
  /** Acknowledged segments waiting for their final receipt (an SMSC that never sends receipts). */
  maxAwaitingReceipt?: number;
  /** Long MO messages waiting for their remaining parts. */
  maxPendingMo?: number;
}

export const DEFAULT_BIND_LIMITS: Required<BindLimits> = {
  // A receipt overtakes its submit_sm_resp by milliseconds: thousands held means a flood.
  maxHeldReceipts: 10_000,
  // About a day of receipts at 2 messages/s; each entry is a few hundred bytes.
  maxAwaitingReceipt: 200_000,
  maxPendingMo: 5_000,
};

/** Equal receipt ids held at once: an SMSC may send intermediate and final receipts early, not hundreds. */
const MAX_HELD_PER_ID = 8;
/** A flood is logged at most this often per bind. */
const DROP_LOG_EVERY_MS = 10_000;

export class BindInbound {
  private readonly outstanding = new IdIndex<Outstanding>();
  private readonly orphans = new IdIndex<OrphanReceipt>();
  private readonly mo: MoAssembler;
  private readonly receiptListeners: Listener<StatusUpdate>[] = [];
  private readonly inboundListeners: Listener<InboundMessage>[] = [];
  private readonly counters = { receipts: 0, orphanReceipts: 0, inbound: 0, droppedReceipts: 0, droppedAwaiting: 0 };
  private readonly limits: Required<BindLimits>;
  private droppedLoggedAt = -Infinity;
  private releaseTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: Logger,
    /** How long a receipt that matches no submit is held in case its submit_sm_resp is still coming. */
    private readonly orphanReceiptTtlMs: number,
    /** How the SMSC writes receipt ids compared with submit_sm_resp ids (the channel's receipt_id_radix). */
    private readonly receiptIdRadix: ReceiptIdRadix = "same",
    limits: BindLimits = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_BIND_LIMITS, ...limits };
    this.mo = new MoAssembler(undefined, now, this.limits.maxPendingMo);
  }

  onReceipt(listener: Listener<StatusUpdate>): void {
    this.receiptListeners.push(listener);
  }

  onInbound(listener: Listener<InboundMessage>): void {
    this.inboundListeners.push(listener);
  }

  /** Segments acknowledged and still waiting for a final receipt. */
  get awaitingReceipt(): number {
    return this.outstanding.size;
  }

  /** What the bind holds and what it had to let go (drops mean a flood or an SMSC that never sends receipts). */
  stats() {
    return {
      awaitingReceipt: this.outstanding.size,
      heldReceipts: this.orphans.size,
      pendingMo: this.mo.waiting,
      moReleasedIncomplete: this.mo.releasedEarly,
      ...this.counters,
    };
  }

  /** Remembers an acknowledged segment; delivers a receipt that raced ahead of its submit_sm_resp. */
  acknowledged(o: Outstanding): void {
    const early = this.orphans.find(o.providerId);
    this.outstanding.add(o.providerId, o);
    while (this.outstanding.size > this.limits.maxAwaitingReceipt) {
      this.outstanding.delete(this.outstanding.oldest()!);
      this.counters.droppedAwaiting++;
      this.noteDrop();
    }
    if (early) {
      this.orphans.delete(early);
      this.logger.debug({ providerId: o.providerId }, "receipt arrived before submit_sm_resp; matched now");
      this.emitReceipt(o, early.receipt).then(early.handedOn.resolve, early.handedOn.reject);
    }
  }

  /**
   * A deliver_sm or data_sm: a delivery receipt or (a part of) an MO message. Settles once what it
   * carried is handed on; what is deliberately left out (unparseable, over the caps, a part of a
   * long MO still waiting for the others) settles at once.
   */
  deliver(pdu: smpp.PDU): Promise<void> {
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
        return Promise.resolve();
      }
      return this.onReceiptPdu(receipt);
    }
    const assembled = this.mo.add({
      source: typeof pdu.source_addr === "string" ? pdu.source_addr : "",
      destination: typeof pdu.destination_addr === "string" ? pdu.destination_addr : "",
      text,
      concat: concatFromUdh(body?.udh ?? [], pdu),
      dataCoding: Number(pdu.data_coding ?? 0),
    });
    const handed: Promise<void>[] = [];
    for (const m of assembled) {
      this.counters.inbound++;
      const msg = inboundMessage({
        providerMessageId: randomUUID(),
        from: m.source.startsWith("+") || !/^\d+$/.test(m.source) ? m.source : `+${m.source}`,
        to: m.destination,
        text: m.text,
        metadata: { parts: m.parts, complete: m.complete, dataCoding: m.dataCoding },
      });
      handed.push(handOn(this.inboundListeners, msg));
    }
    return Promise.all(handed).then(() => undefined);
  }

  private onReceiptPdu(receipt: ParsedReceipt): Promise<void> {
    // The TLV holds the submit_sm_resp id itself; only the text's id may be in the other radix.
    const submitId = receipt.idSource === "tlv" ? receipt.id : receiptIdInSubmitForm(receipt.id, this.receiptIdRadix);
    const match = this.outstanding.find(submitId);
    if (!match) {
      // The submit_sm_resp may still be in flight (SMSCs do send receipts first): hold it.
      this.purgeOrphans();
      this.counters.orphanReceipts++;
      if (this.orphans.countOf(submitId) >= MAX_HELD_PER_ID) {
        this.counters.droppedReceipts++;
        this.noteDrop();
        return Promise.resolve();
      }
      // Published later by the id as the SMSC wrote it (the database holds submit_sm_resp ids as
      // written); converted only when the channel says its receipts use another radix.
      const publishId = receipt.idSource === "tlv" || this.receiptIdRadix === "same" ? receipt.id : submitId;
      const held = new Promise<void>((resolve, reject) =>
        this.orphans.add(submitId, { submitId: publishId, receipt, at: this.now(), handedOn: { resolve, reject } }),
      );
      while (this.orphans.size > this.limits.maxHeldReceipts) {
        // Dropped under a flood: answered as taken, as a receipt this bind chose not to keep.
        const dropped = this.orphans.oldest()!;
        this.orphans.delete(dropped);
        dropped.handedOn.resolve();
        this.counters.droppedReceipts++;
        this.noteDrop();
      }
      this.scheduleRelease();
      return held;
    }
    return this.emitReceipt(match, receipt);
  }

  /** Held receipts are in arrival order: release from the front, stop at the first still in time. */
  private purgeOrphans(): void {
    this.releaseHeldReceipts();
  }

  /** Publishes, by the SMSC's id, every held receipt whose hold has ended. */
  releaseHeldReceipts(): void {
    const limit = this.now() - this.orphanReceiptTtlMs;
    for (let o = this.orphans.oldest(); o && o.at <= limit; o = this.orphans.oldest()) {
      this.orphans.delete(o);
      this.emitReceipt(
        { messageId: "", providerId: o.submitId, segment: 1, segments: 1, submittedAt: 0 },
        o.receipt,
        false,
      ).then(o.handedOn.resolve, o.handedOn.reject);
    }
  }

  /** One timer while receipts are held, so they go out even when no other PDU arrives. */
  private scheduleRelease(): void {
    if (this.releaseTimer || this.orphans.size === 0) return;
    this.releaseTimer = setTimeout(() => {
      this.releaseTimer = null;
      this.releaseHeldReceipts();
      this.scheduleRelease();
    }, this.orphanReceiptTtlMs);
    this.releaseTimer.unref();
  }

  private noteDrop(): void {
    const now = this.now();
    if (now - this.droppedLoggedAt < DROP_LOG_EVERY_MS) return;
    this.droppedLoggedAt = now;
    this.logger.warn(
      { droppedReceipts: this.counters.droppedReceipts, droppedAwaiting: this.counters.droppedAwaiting },
      "smpp bind over its limits: oldest entries dropped",
    );
  }

  private emitReceipt(o: Outstanding, r: ParsedReceipt, known = true): Promise<void> {
    this.counters.receipts++;
    const update = statusUpdate({
      providerMessageId: o.providerId,
      status: r.status,
      errorCode: r.status === "failed" ? (r.err ? `${r.stat}:${r.err}` : r.stat) : null,
      errorMessage:
        r.status === "failed"
          ? `${r.stat}${r.err ? ` err:${r.err}` : ""}${r.networkErrorCode ? ` net:${r.networkErrorCode}` : ""}`
          : null,
      occurredAt: receiptDateToIso(r.doneDate),
      metadata: known
        ? { messageId: o.messageId, segment: o.segment, segments: o.segments, receiptId: r.id, stat: r.stat }
        : { receiptId: r.id, stat: r.stat, unmatchedOnBind: true },
    });
    // The segment is forgotten only once its final receipt is handed on: refused, it comes again.
    return handOn(this.receiptListeners, update).then(() => {
      if (known && r.status !== "sent") this.outstanding.delete(o);
    });
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
