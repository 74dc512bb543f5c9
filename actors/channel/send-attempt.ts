/**
 * The one place a send's outcome becomes a SendAttempt. The adapter contract: `send` resolves
 * when the provider accepted the message and rejects with a SendError otherwise, whose kind
 * decides what happens to the message (planOutcomes). Anything else thrown — a bug, a timeout
 * outside the adapter, a failure in the wiring around it — is unclassified and worth another try,
 * so it becomes a retryable `dispatch_error`.
 */

import { SendError } from "../../core/dispatch/send-error.js";
import type { SendAttempt } from "../../core/dispatch/outcome.js";

/** Runs one send (a function, so a synchronous throw is caught too) and never rejects. */
export async function attemptSend(send: () => Promise<{ providerMessageId: string | null }>): Promise<SendAttempt> {
  try {
    const { providerMessageId } = await send();
    return { ok: true, providerMessageId };
  } catch (err) {
    if (err instanceof SendError) {
      return {
        ok: false,
        kind: err.kind,
        code: err.code,
        message: err.message,
        retryAfterMs: err.retryAfterMs,
        optOut: err.optOut,
        ...(err.outcomeUnknown ? { outcomeUnknown: true } : {}),
      };
    }
    return {
      ok: false,
      kind: "retryable",
      code: "dispatch_error",
      message: err instanceof Error ? err.message : String(err),
    };
  }
}
