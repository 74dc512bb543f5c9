import type smpp from "smpp";
import { describe, expect, it } from "vitest";
import type { StatusUpdate } from "../../core/messages/vocabulary.js";
import { captureLogger } from "../testkit/index.js";
import { BindInbound } from "./bind-inbound.js";
import type { ReceiptIdRadix } from "./credentials.js";
import { ESM_DELIVERY_RECEIPT } from "./vocabulary.js";

const receiptText = (id: string, text: string, stat = "DELIVRD") =>
  `id:${id} sub:001 dlvrd:001 submit date:2411221005 done date:2411221006 stat:${stat} err:000 text:${text}`;

/** A deliver_sm carrying a receipt in its short message only (no receipted_message_id TLV). */
const receiptPdu = (text: string, tlvId?: string) =>
  ({
    esm_class: ESM_DELIVERY_RECEIPT,
    short_message: { message: text },
    ...(tlvId ? { receipted_message_id: tlvId } : {}),
  }) as unknown as smpp.PDU;

/** The SMSC acknowledged `submitted` (in that order); then `pdu` arrives. Which submit did it land on? */
function land(submitted: string[], pdu: smpp.PDU, radix?: ReceiptIdRadix) {
  const inbound = new BindInbound(captureLogger().logger, 60_000, radix);
  const updates: StatusUpdate[] = [];
  inbound.onReceipt((u) => void updates.push(u));
  submitted.forEach((providerId, i) =>
    inbound.acknowledged({ messageId: `msg-${i}`, providerId, segment: 1, segments: 1, submittedAt: 0 }),
  );
  void inbound.deliver(pdu);
  return { updates, stats: inbound.stats() };
}

describe("a receipt without a receipted_message_id TLV lands on the message its id field names", () => {
  it.each([
    ["the text field says 'Order id:2589'", ["7A21", "2589"], receiptText("7A21", "Order id:2589 is ready"), "7A21"],
    ["the text field says 'Bill paid:KES100'", ["7A22", "KES100"], receiptText("7A22", "Bill paid:KES100"), "7A22"],
    ["the text field repeats the layout", ["7A23", "99"], receiptText("7A23", "id:99 stat:UNDELIV err:034"), "7A23"],
    ["'id:' only inside another word before the text", ["7A24"], receiptText("7A24", "x"), "7A24"],
    [
      "upper-case keys and a text field quoting a lower-case id",
      ["7A25", "42"],
      "ID:7A25 SUB:001 DLVRD:001 SUBMIT DATE:2411221005 DONE DATE:2411221006 STAT:DELIVRD ERR:000 TEXT:ref id:42",
      "7A25",
    ],
  ] as const)("%s", (_n, submitted, text, expected) => {
    const { updates } = land([...submitted], receiptPdu(text));
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ providerMessageId: expected, status: "delivered" });
  });

  it("a stat or err quoted in the text field changes nothing", () => {
    const { updates } = land(["7A26"], receiptPdu(receiptText("7A26", "stat:UNDELIV err:034 please call")));
    expect(updates[0]).toMatchObject({ status: "delivered", errorCode: null });
  });
});

describe("receipt ids across radixes: only as the channel's SMSC says, never both ways", () => {
  it.each([
    // radix, submit_sm_resp ids (acknowledged in this order), receipt id, the submit it lands on (null: held)
    ["same", ["10", "16"], "16", "16"],
    ["same", ["10"], "16", null], // decimal 16 is not hex 0x10
    ["same", ["1F3A07"], "1f3a07", "1F3A07"], // case
    ["same", ["00001F3A07"], "1F3A07", "00001F3A07"], // leading zeros
    ["same", ["1F3A07"], "2046471", null], // no cross-radix guessing
    ["same", ["2046471"], "1F3A07", null],
    ["hex_to_dec", ["1F3A07"], "2046471", "1F3A07"],
    ["hex_to_dec", ["1F3A07"], "0002046471", "1F3A07"],
    ["hex_to_dec", ["10", "16"], "16", "10"], // decimal 16 is hex 10
    ["hex_to_dec", ["10"], "10", null], // decimal 10 is hex A
    ["hex_to_dec", ["A"], "10", "A"],
    ["dec_to_hex", ["2046471"], "1f3a07", "2046471"],
    ["dec_to_hex", ["10", "16"], "10", "16"], // hex 10 is decimal 16
    ["dec_to_hex", ["10"], "a", "10"],
    ["dec_to_hex", ["16"], "16", null], // hex 16 is decimal 22
  ] as const)("%s: submitted %j, receipt id %s → %s", (radix, submitted, receiptId, expected) => {
    const { updates, stats } = land([...submitted], receiptPdu(receiptText(receiptId, "")), radix);
    if (expected === null) {
      expect(updates).toEqual([]);
      expect(stats.heldReceipts).toBe(1);
    } else {
      expect(updates.map((u) => u.providerMessageId)).toEqual([expected]);
    }
  });

  it("a receipted_message_id TLV carries the submit_sm_resp id itself: matched literally whatever the radix", () => {
    const { updates } = land(["1F3A07"], receiptPdu(receiptText("2046471", ""), "1F3A07"), "hex_to_dec");
    expect(updates.map((u) => u.providerMessageId)).toEqual(["1F3A07"]);
  });

  it("a receipt held before its submit_sm_resp is matched in the channel's radix when the submit is acknowledged", () => {
    const inbound = new BindInbound(captureLogger().logger, 60_000, "hex_to_dec");
    const updates: StatusUpdate[] = [];
    inbound.onReceipt((u) => void updates.push(u));
    void inbound.deliver(receiptPdu(receiptText("16", "")));
    inbound.acknowledged({ messageId: "m-16", providerId: "16", segment: 1, segments: 1, submittedAt: 0 });
    expect(updates).toEqual([]);
    inbound.acknowledged({ messageId: "m-10", providerId: "10", segment: 1, segments: 1, submittedAt: 0 });
    expect(updates).toEqual([expect.objectContaining({ providerMessageId: "10" })]);
  });

  it("a receipt no submit of this bind claims is published by its id once its hold ends, not dropped", () => {
    // The message may have been sent by another process's bind (a second replica, or this one
    // before a restart): the status consumer matches by provider id and parks what is not recorded yet.
    let now = 1_000;
    const inbound = new BindInbound(captureLogger().logger, 5_000, "same", {}, () => now);
    const updates: StatusUpdate[] = [];
    inbound.onReceipt((u) => void updates.push(u));
    void inbound.deliver(receiptPdu(receiptText("7B01", "")));
    now += 4_999;
    inbound.releaseHeldReceipts();
    expect(updates).toEqual([]);
    now += 1;
    inbound.releaseHeldReceipts();
    expect(updates).toEqual([expect.objectContaining({ providerMessageId: "7B01", status: "delivered" })]);
    expect(inbound.stats()).toMatchObject({ heldReceipts: 0, droppedReceipts: 0 });
    // Released once: a later acknowledgement of the same id finds nothing held.
    inbound.acknowledged({ messageId: "m", providerId: "7B01", segment: 1, segments: 1, submittedAt: 0 });
    expect(updates).toHaveLength(1);
  });
});
