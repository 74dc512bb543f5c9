import { describe, expect, it } from "vitest";
import { classifyHttpFailure, networkFailure, parseRetryAfter } from "./classify.js";
import { SendError } from "../../core/dispatch/send-error.js";
import { Redactor } from "./secrets.js";

describe("classifyHttpFailure", () => {
  const rules = {
    throttlingCodes: new Set(["T1"]),
    optOutCodes: new Set(["STOP"]),
    retryableCodes: new Set(["R1"]),
    codeNames: new Map([["BAD", "invalid_recipient"]]),
  };
  it.each([
    ["500", 500, null, "retryable", "provider_unavailable"],
    ["503", 503, null, "retryable", "provider_unavailable"],
    ["429", 429, null, "throttled", "provider_throttled"],
    ["400 with a throttling code", 400, "T1", "throttled", "provider_throttled"],
    ["400 with a retryable code", 400, "R1", "retryable", "provider_unavailable"],
    ["400 with an opt-out code", 400, "STOP", "permanent", "recipient_opted_out"],
    ["400 with a named code", 400, "BAD", "permanent", "invalid_recipient"],
    ["401", 401, null, "permanent", "provider_auth_failed"],
    ["404", 404, null, "permanent", "provider_rejected"],
    ["422", 422, "X", "permanent", "provider_rejected"],
  ] as const)("%s → %s", (_n, status, code, kind, ourCode) => {
    const err = classifyHttpFailure({ status, providerCode: code, message: "m" }, rules);
    expect(err).toBeInstanceOf(SendError);
    expect([err.kind, err.code]).toEqual([kind, ourCode]);
    expect(err.retryable).toBe(kind !== "permanent");
    expect(err.throttled).toBe(kind === "throttled");
  });
});

describe("parseRetryAfter", () => {
  it.each([
    ["seconds", "7", 7000],
    ["fractional", "0.5", 500],
    ["HTTP date", "Fri, 22 Nov 2024 10:00:30 GMT", 30000],
    ["garbage", "soon", null],
    ["absent", undefined, null],
  ] as const)("%s", (_n, value, ms) => {
    expect(parseRetryAfter(value, Date.parse("2024-11-22T10:00:00Z"))).toBe(ms);
  });
});

describe("networkFailure", () => {
  it.each([
    ["connection refused", "ECONNREFUSED", false],
    ["no such host", "ENOTFOUND", false],
    ["connect timeout", "UND_ERR_CONNECT_TIMEOUT", false],
    ["no answer in time", "UND_ERR_HEADERS_TIMEOUT", true],
    ["socket closed mid-exchange", "UND_ERR_SOCKET", true],
    ["reset", "ECONNRESET", true],
  ] as const)("%s: retryable; the provider may have the request: %s", (_n, code, unknown) => {
    const err = networkFailure(Object.assign(new Error("boom"), { code }));
    expect(err).toMatchObject({ kind: "retryable", code: "provider_unreachable", outcomeUnknown: unknown });
  });
});

describe("Redactor", () => {
  it("removes raw and URL-encoded secrets, longest first", () => {
    const r = new Redactor(["abc+/=def", "abc"]);
    expect(r.text("x abc+/=def y abc%2B%2F%3Ddef z abc")).toBe("x [redacted] y [redacted] z [redacted]");
    expect(r.value({ a: ["abc"], b: 1 })).toEqual({ a: ["[redacted]"], b: 1 });
  });
});
