import { describe, expect, it } from "vitest";
import { appendDeadLetter, emptyDeadLetterLog, MAX_DATA_CHARS, MAX_RECENT } from "./dead-letter-log.js";

const now = new Date("2026-03-01T00:00:00Z");

describe("dead-letter log", () => {
  it("counts and keeps entries", () => {
    const log = appendDeadLetter(emptyDeadLetterLog(), { eventId: "e1", data: { a: 1 } }, now);
    expect(log.total).toBe(1);
    expect(log.recent[0]).toMatchObject({ eventId: "e1", data: '{"a":1}' });
  });
  it("ignores a redelivered entry", () => {
    let log = appendDeadLetter(emptyDeadLetterLog(), { eventId: "e1", data: 1 }, now);
    log = appendDeadLetter(log, { eventId: "e1", data: 1 }, now);
    expect(log.total).toBe(1);
  });
  it("truncates huge bodies and bounds the recent list", () => {
    let log = appendDeadLetter(emptyDeadLetterLog(), { eventId: "big", data: "x".repeat(MAX_DATA_CHARS * 2) }, now);
    expect(log.recent[0]!.data.length).toBe(MAX_DATA_CHARS + 1);
    for (let i = 0; i < MAX_RECENT + 10; i++) log = appendDeadLetter(log, { eventId: `e${i}`, data: i }, now);
    expect(log.recent).toHaveLength(MAX_RECENT);
    expect(log.total).toBe(MAX_RECENT + 11);
  });
});
