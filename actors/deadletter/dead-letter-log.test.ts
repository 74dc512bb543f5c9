import { describe, expect, it } from "vitest";
import {
  appendDeadLetter,
  emptyDeadLetterLog,
  MAX_DATA_CHARS,
  MAX_RECENT,
  removeDeadLetter,
} from "./dead-letter-log.js";

const now = new Date("2026-03-01T00:00:00Z");

describe("dead-letter log", () => {
  it("counts and keeps entries", () => {
    const log = appendDeadLetter(emptyDeadLetterLog(), { eventId: "e1", data: { a: 1 } }, now);
    expect(log.total).toBe(1);
    expect(log.recent[0]).toMatchObject({ eventId: "e1", data: '{"a":1}', accountId: null, truncated: false });
  });
  it("keeps the account an event names, so a tenant sees only its own", () => {
    const accountId = "0b0e6c8e-2f4a-4c55-9a55-7f3c7d2a0001";
    const log = appendDeadLetter(emptyDeadLetterLog(), { eventId: "e1", data: { accountId, x: 1 } }, now);
    expect(log.recent[0]!.accountId).toBe(accountId);
    const odd = appendDeadLetter(emptyDeadLetterLog(), { eventId: "e2", data: { accountId: 7 } }, now);
    expect(odd.recent[0]!.accountId).toBeNull();
  });
  it("removes a re-queued entry and keeps counting the total", () => {
    let log = appendDeadLetter(emptyDeadLetterLog(), { eventId: "e1", data: 1 }, now);
    log = appendDeadLetter(log, { eventId: "e2", data: 2 }, now);
    const after = removeDeadLetter(log, "e1");
    expect(after.recent.map((e) => e.eventId)).toEqual(["e2"]);
    expect(after.total).toBe(2);
    expect(removeDeadLetter(after, "e1")).toBe(after);
  });
  it("ignores a redelivered entry", () => {
    let log = appendDeadLetter(emptyDeadLetterLog(), { eventId: "e1", data: 1 }, now);
    log = appendDeadLetter(log, { eventId: "e1", data: 1 }, now);
    expect(log.total).toBe(1);
  });
  it("truncates huge bodies and bounds the recent list", () => {
    let log = appendDeadLetter(emptyDeadLetterLog(), { eventId: "big", data: "x".repeat(MAX_DATA_CHARS * 2) }, now);
    expect(log.recent[0]!.data.length).toBe(MAX_DATA_CHARS + 1);
    expect(log.recent[0]!.truncated).toBe(true);
    // The account is read from the event before its text is cut.
    const long = { accountId: "a1", pad: "x".repeat(MAX_DATA_CHARS * 2) };
    expect(appendDeadLetter(emptyDeadLetterLog(), { eventId: "l", data: long }, now).recent[0]!.accountId).toBe("a1");
    for (let i = 0; i < MAX_RECENT + 10; i++) log = appendDeadLetter(log, { eventId: `e${i}`, data: i }, now);
    expect(log.recent).toHaveLength(MAX_RECENT);
    expect(log.total).toBe(MAX_RECENT + 11);
  });
});
