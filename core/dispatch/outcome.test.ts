import { describe, expect, it } from "vitest";
import { planOutcomes, type AttemptedMessage, type SendAttempt } from "./outcome.js";

const msg = (id: string, attempts = 1): AttemptedMessage => ({ id, createdAt: "2026-01-01T00:00:00.000Z", attempts });
const now = Date.parse("2026-01-01T00:00:10Z");
const plan = (claimed: AttemptedMessage[], attempts: SendAttempt[], maxAttempts = 3) =>
  planOutcomes(claimed, attempts, { now, maxAttempts, random: () => 0.5 });

describe("planOutcomes", () => {
  it.each<[string, SendAttempt, number, Record<string, unknown>]>([
    [
      "success → sent with the provider id",
      { ok: true, providerMessageId: "p1" },
      1,
      { status: "sent", providerMessageId: "p1" },
    ],
    [
      "permanent → failed at once",
      { ok: false, kind: "permanent", code: "invalid_recipient", message: "bad" },
      1,
      { status: "failed", errorCode: "invalid_recipient" },
    ],
    [
      "permanent with the provider's opt-out signal → failed, marked as an opt-out",
      { ok: false, kind: "permanent", code: "recipient_opted_out", message: "21610", optOut: true },
      1,
      { status: "failed", errorCode: "recipient_opted_out", optOut: true },
    ],
    [
      "retryable on attempt 1 → queued in 1 s",
      { ok: false, kind: "retryable", code: "provider_5xx", message: "503" },
      1,
      { status: "queued", nextAttemptAt: new Date(now + 1_000), throttled: false },
    ],
    [
      "retryable on attempt 2 → queued in 2 s",
      { ok: false, kind: "retryable", code: "provider_5xx", message: "503" },
      2,
      { status: "queued", nextAttemptAt: new Date(now + 2_000) },
    ],
    [
      "retryable on the last attempt → failed with the last error",
      { ok: false, kind: "retryable", code: "provider_5xx", message: "503" },
      3,
      { status: "failed", errorCode: "provider_5xx", errorMessage: "503 (after 3 attempts)" },
    ],
    [
      "throttled → queued after retry-after, even on the last attempt",
      { ok: false, kind: "throttled", code: "rate_limited", message: "429", retryAfterMs: 7_000 },
      3,
      { status: "queued", nextAttemptAt: new Date(now + 7_000), throttled: true },
    ],
  ])("%s", (_name, attempt, attempts, expected) => {
    const r = plan([msg("m", attempts)], [attempt]);
    expect(r.outcomes[0]).toMatchObject(expected);
  });

  it("marks a retry whose send may have reached the provider, and only a retry", () => {
    const unknown: SendAttempt = {
      ok: false,
      kind: "retryable",
      code: "smpp_connection_lost",
      message: "lost before submit_sm_resp",
      outcomeUnknown: true,
    };
    const r = plan([msg("a"), msg("b"), msg("c", 3)], [unknown, { ...unknown, outcomeUnknown: false }, unknown]);
    expect(r.outcomes[0]).toMatchObject({ status: "queued", outcomeUnknown: true });
    expect(r.outcomes[1]).not.toHaveProperty("outcomeUnknown");
    expect(r.outcomes[2]).toMatchObject({ status: "failed" });
  });

  it("summarises a batch for the bucket and the breaker", () => {
    const r = plan(
      [msg("a"), msg("b"), msg("c"), msg("d")],
      [
        { ok: true, providerMessageId: "1" },
        { ok: false, kind: "retryable", code: "x", message: "x" },
        { ok: false, kind: "throttled", code: "t", message: "t", retryAfterMs: 3_000 },
        { ok: false, kind: "throttled", code: "t", message: "t", retryAfterMs: 9_000 },
      ],
    );
    expect(r.sent).toBe(1);
    expect(r.retryableFailures).toBe(1);
    expect(r.throttledUntil).toBe(now + 9_000);
  });
});
