import { describe, expect, it } from "vitest";
import {
  SUPPRESSION_REASONS,
  reasonOfSource,
  sourceOfReason,
  suppressedCode,
  suppressionAddress,
} from "./suppressions.js";

describe("suppressions", () => {
  it("stores each reason under the source the pipeline writes, and reads it back", () => {
    for (const r of SUPPRESSION_REASONS) expect(reasonOfSource(sourceOfReason(r))).toBe(r);
    expect(sourceOfReason("opt_out_keyword")).toBe("keyword");
    expect(sourceOfReason("hard_bounce")).toBe("bounce");
    expect(reasonOfSource("api")).toBe("manual");
  });

  it("a send to a suppressed address records who decided it", () => {
    expect(suppressedCode("keyword")).toBe("opted_out");
    expect(suppressedCode("provider")).toBe("opted_out");
    expect(suppressedCode("complaint")).toBe("opted_out");
    expect(suppressedCode("bounce")).toBe("suppressed_bounce");
    expect(suppressedCode("manual")).toBe("suppressed");
  });

  it.each([
    ["all", " 00251 911-000-123 ", "+251911000123"],
    ["all", "251911000123", "+251911000123"],
    ["all", " Ana@Example.org", "ana@example.org"],
    ["sms", "251911000123", "+251911000123"],
    ["whatsapp", "+251911000123", "+251911000123"],
    ["email", "Ana@Example.org ", "ana@example.org"],
    ["telegram", " 5550301 ", "5550301"],
    ["messenger", "psid-1", "psid-1"],
  ] as const)("%s %j is stored as the scope's messages store it", (scope, raw, stored) => {
    expect(suppressionAddress(scope, raw)).toEqual({ address: stored });
  });

  it.each([
    ["all", "12345", "phone number (E.164) or an e-mail address"],
    ["all", "psid-1", "phone number (E.164) or an e-mail address"],
    ["sms", "ana@example.org", "not a phone number"],
    ["email", "+251911000123", "not an e-mail address"],
    ["telegram", "   ", "must not be empty"],
    ["email", `${"a".repeat(250)}@example.org`, "at most 255"],
  ] as const)("%s %j is refused", (scope, raw, why) => {
    const r = suppressionAddress(scope, raw);
    expect("error" in r && r.error).toContain(why);
  });
});
