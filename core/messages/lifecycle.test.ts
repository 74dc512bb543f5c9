import { describe, expect, it } from "vitest";
import { CHANNEL_TYPES } from "./vocabulary.js";
import { ChannelType } from "./vocabulary.js";
import {
  CLIENT_SETTABLE,
  GROUP_MESSAGE_TRANSITIONS,
  MESSAGE_TRANSITIONS,
  SCHEDULED_MESSAGE_TRANSITIONS,
  canTransition,
} from "./lifecycle.js";

describe("status lifecycles", () => {
  it("a completed group message cannot be re-queued; cancelling works from draft, queued, processing", () => {
    expect(canTransition(GROUP_MESSAGE_TRANSITIONS, "completed", "queued")).toBe(false);
    for (const from of ["draft", "queued", "processing"] as const)
      expect(canTransition(GROUP_MESSAGE_TRANSITIONS, from, "cancelled")).toBe(true);
    for (const from of ["completed", "partially_failed", "failed", "cancelled"] as const) {
      expect(canTransition(GROUP_MESSAGE_TRANSITIONS, from, "cancelled")).toBe(false);
    }
  });

  it("final message statuses lead nowhere; every target of a transition is a known status", () => {
    for (const s of ["read", "failed", "cancelled", "skipped"] as const) expect(MESSAGE_TRANSITIONS[s]).toEqual([]);
    for (const table of [MESSAGE_TRANSITIONS, GROUP_MESSAGE_TRANSITIONS, SCHEDULED_MESSAGE_TRANSITIONS] as Record<
      string,
      readonly string[]
    >[]) {
      for (const targets of Object.values(table)) for (const t of targets) expect(Object.keys(table)).toContain(t);
    }
  });

  it("clients may only request statuses the lifecycle can reach", () => {
    for (const s of CLIENT_SETTABLE.message)
      expect(Object.values(MESSAGE_TRANSITIONS).some((t) => t.includes(s))).toBe(true);
  });
});

describe("channel types", () => {
  it("the channel type list and the event schema agree", () => {
    expect([...CHANNEL_TYPES].sort()).toEqual([...ChannelType.options].sort());
  });
});
