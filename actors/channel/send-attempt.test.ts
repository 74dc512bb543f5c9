import { describe, expect, it } from "vitest";
import { SendError } from "../../core/dispatch/send-error.js";
import type { SendAttempt } from "../../core/dispatch/outcome.js";
import { attemptSend } from "./send-attempt.js";

const rejecting = (err: Error) => () => Promise.reject(err);

describe("attemptSend", () => {
  it("a resolved send is a success with the provider's id", async () => {
    expect(await attemptSend(async () => ({ providerMessageId: "SM123" }))).toEqual({
      ok: true,
      providerMessageId: "SM123",
    });
  });

  it.each<[string, SendError, SendAttempt]>([
    [
      "permanent",
      new SendError({
        kind: "permanent",
        code: "invalid_recipient",
        message: "not a mobile number",
        providerCode: "21614",
      }),
      {
        ok: false,
        kind: "permanent",
        code: "invalid_recipient",
        message: "not a mobile number",
        retryAfterMs: null,
        optOut: false,
      },
    ],
    [
      "retryable",
      new SendError({
        kind: "retryable",
        code: "provider_unavailable",
        message: "503 Service Unavailable",
        status: 503,
      }),
      {
        ok: false,
        kind: "retryable",
        code: "provider_unavailable",
        message: "503 Service Unavailable",
        retryAfterMs: null,
        optOut: false,
      },
    ],
    [
      "throttled, with the provider's retry-after",
      new SendError({ kind: "throttled", code: "provider_throttled", message: "slow down", retryAfterMs: 7_000 }),
      {
        ok: false,
        kind: "throttled",
        code: "provider_throttled",
        message: "slow down",
        retryAfterMs: 7_000,
        optOut: false,
      },
    ],
    [
      "opt-out",
      new SendError({ kind: "permanent", code: "recipient_opted_out", message: "STOP received", optOut: true }),
      {
        ok: false,
        kind: "permanent",
        code: "recipient_opted_out",
        message: "STOP received",
        retryAfterMs: null,
        optOut: true,
      },
    ],
    [
      "outcome unknown (the request went out, no answer came back)",
      new SendError({
        kind: "retryable",
        code: "smpp_connection_lost",
        message: "lost before submit_sm_resp",
        outcomeUnknown: true,
      }),
      {
        ok: false,
        kind: "retryable",
        code: "smpp_connection_lost",
        message: "lost before submit_sm_resp",
        retryAfterMs: null,
        optOut: false,
        outcomeUnknown: true,
      },
    ],
  ])("a SendError keeps its classification: %s", async (_name, err, expected) => {
    expect(await attemptSend(rejecting(err))).toEqual(expected);
  });

  it.each<[string, () => Promise<{ providerMessageId: string | null }>, string]>([
    ["an Error", rejecting(new Error("socket hang up")), "socket hang up"],
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a non-Error rejection is the case under test
    ["a thrown non-Error", () => Promise.reject("boom"), "boom"],
    [
      "a synchronous throw",
      () => {
        throw new TypeError("cannot read properties of undefined");
      },
      "cannot read properties of undefined",
    ],
  ])("anything else (%s) is a retryable dispatch_error", async (_name, send, message) => {
    expect(await attemptSend(send)).toEqual({ ok: false, kind: "retryable", code: "dispatch_error", message });
  });
});
