import { describe, expect, it } from "vitest";
import { IdIndex, literalKey, receiptIdInSubmitForm } from "./message-ids.js";
import { MoAssembler } from "./mo-assembler.js";
import { fixtureJson } from "../testkit/index.js";
import { parseReceipt, parseReceiptText, receiptDateToIso, type ParsedReceipt } from "./receipt.js";

const receiptFixtures = fixtureJson<Array<{ name: string; text: string; expected: Partial<ParsedReceipt> }>>(
  import.meta.url,
  "receipts.json",
);

describe("receipt text fixtures (formats seen from SMSCs)", () => {
  it.each(receiptFixtures.map((f) => [f.name, f] as const))("%s", (_n, f) => {
    expect(
      parseReceipt({ text: f.text, receiptedMessageId: null, messageState: null, networkErrorCode: null }),
    ).toMatchObject(f.expected);
  });
});

describe("receipt text", () => {
  it.each([
    [
      "SMPP 3.4 Appendix B layout",
      "id:0123456789 sub:001 dlvrd:001 submit date:2411221005 done date:2411221006 stat:DELIVRD err:000 text:Your code is 48",
      {
        id: "0123456789",
        sub: "001",
        dlvrd: "001",
        "submit date": "2411221005",
        "done date": "2411221006",
        stat: "DELIVRD",
        err: "000",
        text: "Your code is 48",
      },
    ],
    [
      "upper-case keys, no text field",
      "ID:7B SUB:001 DLVRD:000 SUBMIT DATE:2411221005 DONE DATE:2411221107 STAT:EXPIRED ERR:000",
      { id: "7B", stat: "EXPIRED", "done date": "2411221107" },
    ],
    [
      "text containing a colon",
      "id:a1 sub:001 dlvrd:000 submit date:2411221005 done date:2411221006 stat:UNDELIV err:034 text:Hi: see",
      { stat: "UNDELIV", err: "034", text: "Hi: see" },
    ],
    [
      "text quoting an id",
      "id:7A21 sub:001 dlvrd:001 submit date:2411221005 done date:2411221006 stat:DELIVRD err:000 text:Order id:2589",
      { id: "7A21", stat: "DELIVRD", text: "Order id:2589" },
    ],
    [
      "text with a word ending in 'id:'",
      "id:7A22 sub:001 dlvrd:001 submit date:2411221005 done date:2411221006 stat:DELIVRD err:000 text:Bill paid:KES100",
      { id: "7A22", text: "Bill paid:KES100" },
    ],
    [
      "text repeating every field",
      "id:7A23 sub:001 dlvrd:001 submit date:2411221005 done date:2411221006 stat:DELIVRD err:000 text:id:1 sub:2 dlvrd:3 submit date:4 done date:5 stat:REJECTD err:6 text:7",
      {
        id: "7A23",
        sub: "001",
        dlvrd: "001",
        "submit date": "2411221005",
        "done date": "2411221006",
        stat: "DELIVRD",
        err: "000",
        text: "id:1 sub:2 dlvrd:3 submit date:4 done date:5 stat:REJECTD err:6 text:7",
      },
    ],
    ["fields out of order are not read back to front", "stat:DELIVRD id:7A24 err:000", { stat: "DELIVRD", err: "000" }],
  ] as const)("%s", (_n, text, expected) => {
    expect(parseReceiptText(text)).toMatchObject(expected);
  });

  it.each([
    [
      "text only",
      {
        text: "id:1F3A07 sub:001 dlvrd:001 submit date:2411221005 done date:2411221006 stat:DELIVRD err:000 text:",
        receiptedMessageId: null,
        messageState: null,
      },
      { id: "1F3A07", status: "delivered", err: null },
    ],
    [
      "TLVs win over text",
      { text: "id:999 stat:ENROUTE err:000", receiptedMessageId: "1F3A07", messageState: 5 },
      { id: "1F3A07", status: "failed", stat: "UNDELIV" },
    ],
    ["TLVs only", { text: "", receiptedMessageId: "abc\0", messageState: 2 }, { id: "abc", status: "delivered" }],
    [
      "intermediate ENROUTE",
      { text: "id:5 stat:ENROUTE err:000", receiptedMessageId: null, messageState: null },
      { status: "sent" },
    ],
    [
      "REJECTD with error",
      { text: "id:5 stat:REJECTD err:0B1", receiptedMessageId: null, messageState: null },
      { status: "failed", err: "0B1" },
    ],
  ] as const)("parseReceipt: %s", (_n, input, expected) => {
    expect(parseReceipt({ networkErrorCode: null, ...input })).toMatchObject(expected);
  });

  it("unknown stat or no id → not a receipt", () => {
    expect(
      parseReceipt({
        text: "id:5 stat:WHATEVER",
        receiptedMessageId: null,
        messageState: null,
        networkErrorCode: null,
      }),
    ).toBeNull();
    expect(
      parseReceipt({ text: "hello", receiptedMessageId: null, messageState: null, networkErrorCode: null }),
    ).toBeNull();
  });

  it.each([
    ["YYMMDDhhmm", "2411221006", "2024-11-22T10:06:00.000Z"],
    ["YYMMDDhhmmss", "241122100630", "2024-11-22T10:06:30.000Z"],
    ["YYYYMMDDhhmm", "202411221006", "2024-11-22T10:06:00.000Z"],
    ["YYYYMMDDhhmmss", "20241122100630", "2024-11-22T10:06:30.000Z"],
    ["12 digits read both ways: the reading nearer the receipt wins", "201201010101", "2020-12-01T01:01:01.000Z"],
    ["surrounding spaces", " 2411221006 ", "2024-11-22T10:06:00.000Z"],
    ["not digits", "garbage", null],
    ["empty", "", null],
    ["11 digits", "24112210061", null],
    ["month 13", "2413221006", null],
    ["30 February", "2402301006", null],
    ["29 February of a leap year", "2402291006", "2024-02-29T10:06:00.000Z"],
    ["29 February of another year", "2302291006", null],
    ["hour 24", "2411222406", null],
    ["minute 60", "2411221060", null],
    ["second 60", "241122100660", null],
    ["day 0", "2411001006", null],
  ] as const)("receipt date %s: %j → %s", (_n, value, expected) => {
    expect(receiptDateToIso(value, new Date("2024-11-22T12:00:00Z"))).toBe(expected);
  });
});

describe("message ids", () => {
  it.each([
    ["same id", "1F3A07", "1F3A07", true],
    ["case", "1F3A07", "1f3a07", true],
    ["leading zeros", "00001F3A07", "1F3A07", true],
    ["uuid-like ids", "b5e2c2f0-1c7e-4d2e-9a37-0a1b2c3d4e5f", "B5E2C2F0-1C7E-4D2E-9A37-0A1B2C3D4E5F", true],
    ["different numbers", "1F3A07", "1F3A08", false],
    ["the same number in another radix", "1F3A07", "2046471", false],
  ] as const)("%s: %s ~ %s → %s", (_n, submitted, receipted, match) => {
    const index = new IdIndex<string>();
    index.add(submitted, "msg");
    expect(index.find(receipted) === "msg").toBe(match);
  });

  it.each([
    ["same", "2046471", "2046471"],
    ["same", "00A", "a"],
    ["hex_to_dec", "2046471", "1f3a07"],
    ["hex_to_dec", "0002046471", "1f3a07"],
    ["hex_to_dec", "1F3A07", "1f3a07"], // not decimal: taken as written
    ["dec_to_hex", "1f3a07", "2046471"],
    ["dec_to_hex", "10", "16"],
    ["dec_to_hex", "c0ffee42-0001", "c0ffee42-0001"], // not hex: taken as written
  ] as const)("receipt id in submit form (%s): %s → %s", (radix, receiptId, expected) => {
    expect(receiptIdInSubmitForm(receiptId, radix)).toBe(expected);
  });

  it("the oldest of equal ids is found first, the next once it is gone", () => {
    const index = new IdIndex<string>();
    index.add("10", "first");
    index.add("010", "second");
    expect(index.find("10")).toBe("first");
    index.delete("first");
    expect(index.find("10")).toBe("second");
    expect(literalKey("000")).toBe("0");
  });
});

describe("MO reassembly", () => {
  const part = (sequence: number, text: string, total = 3, reference = 9) => ({
    source: "251911",
    destination: "8080",
    text,
    dataCoding: 8,
    concat: { reference, total, sequence },
  });

  it("joins parts in sequence order whatever the arrival order", () => {
    const mo = new MoAssembler();
    expect(mo.add(part(3, "C"))).toEqual([]);
    expect(mo.add(part(1, "A"))).toEqual([]);
    expect(mo.add(part(2, "B"))).toEqual([expect.objectContaining({ text: "ABC", parts: 3, complete: true })]);
    expect(mo.waiting).toBe(0);
  });

  it("a surrogate pair split across parts is whole after joining", () => {
    const [hi, lo] = ["\ud83d", "\udc4b"];
    const mo = new MoAssembler();
    mo.add(part(1, "x" + hi, 2));
    expect(mo.add(part(2, lo + "y", 2))[0]?.text).toBe("x👋y");
  });

  it("keeps different references apart and releases incomplete messages after the TTL", () => {
    let now = 0;
    const mo = new MoAssembler(1000, () => now);
    mo.add(part(1, "A", 2, 1));
    mo.add(part(1, "X", 2, 2));
    expect(mo.add(part(2, "Y", 2, 2))).toEqual([expect.objectContaining({ text: "XY" })]);
    now = 1500;
    expect(mo.expire()).toEqual([expect.objectContaining({ text: "A", complete: false })]);
  });
});
