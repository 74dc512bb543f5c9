/**
 * What one send attempt means for its message, decided by the actor from the adapter's
 * classification (adapters classify; they never retry). Pure: the caller applies the result
 * to the database, the token bucket and the circuit breaker.
 */

import { retryDelayMs } from "./backoff.js";
import type { ClaimedMessage } from "./claimed-message.js";

/** What planning needs of a claimed message; `attempts` includes the one just made. */
/** What one send attempt came to, as the dispatch counter labels it. */
export type AttemptOutcome = "sent" | "retry" | "failed";

export type AttemptedMessage = Pick<ClaimedMessage, "id" | "createdAt" | "attempts">;

/** The adapter's answer: a provider id, or the SendError fields it threw. */
export type SendAttempt =
  | { ok: true; providerMessageId: string | null }
  | {
      ok: false;
      kind: "permanent" | "retryable" | "throttled";
      code: string;
      message: string;
      retryAfterMs?: number | null;
      optOut?: boolean;
      /** The provider may have accepted it (no answer after the request went out). */
      outcomeUnknown?: boolean;
    };

export type MessageOutcome =
  | { id: string; createdAt: string; status: "sent"; providerMessageId: string | null }
  | {
      id: string;
      createdAt: string;
      status: "queued";
      nextAttemptAt: Date;
      errorCode: string;
      errorMessage: string;
      throttled: boolean;
      /** A retry of a send the provider may have accepted: recorded as `requeued`, like the crash window. */
      outcomeUnknown?: true;
    }
  | {
      id: string;
      createdAt: string;
      status: "failed";
      errorCode: string;
      errorMessage: string;
      /** The provider refused the send because the recipient opted out: the address is suppressed. */
      optOut?: boolean;
    };

export interface TurnEffects {
  outcomes: MessageOutcome[];
  sent: number;
  retryableFailures: number;
  /** Latest retry-after a provider asked for, if it throttled us in this batch. */
  throttledUntil: number | null;
}

export function planOutcomes(
  claimed: AttemptedMessage[],
  attempts: SendAttempt[],
  opts: { now: number; maxAttempts: number; random?: () => number },
): TurnEffects {
  const outcomes: MessageOutcome[] = [];
  let sent = 0;
  let retryableFailures = 0;
  let throttledUntil: number | null = null;
  claimed.forEach((m, i) => {
    const a = attempts[i]!;
    const base = { id: m.id, createdAt: m.createdAt };
    if (a.ok) {
      sent++;
      outcomes.push({ ...base, status: "sent", providerMessageId: a.providerMessageId });
      return;
    }
    if (a.kind === "permanent") {
      outcomes.push({
        ...base,
        status: "failed",
        errorCode: a.code,
        errorMessage: a.message,
        ...(a.optOut ? { optOut: true } : {}),
      });
      return;
    }
    if (a.kind === "throttled") {
      // Throttling is the provider pacing us, not the message failing: it does not use up a
      // retry, and the whole channel waits out the retry-after.
      const wait = Math.max(a.retryAfterMs ?? 0, retryDelayMs(1, opts.random));
      const until = opts.now + wait;
      throttledUntil = Math.max(throttledUntil ?? 0, until);
      outcomes.push({
        ...base,
        status: "queued",
        nextAttemptAt: new Date(until),
        errorCode: a.code,
        errorMessage: a.message,
        throttled: true,
      });
      return;
    }
    retryableFailures++;
    if (m.attempts >= opts.maxAttempts) {
      outcomes.push({
        ...base,
        status: "failed",
        errorCode: a.code,
        errorMessage: `${a.message} (after ${m.attempts} attempts)`,
      });
      return;
    }
    const next = new Date(opts.now + retryDelayMs(m.attempts, opts.random));
    outcomes.push({
      ...base,
      status: "queued",
      nextAttemptAt: next,
      errorCode: a.code,
      errorMessage: a.message,
      throttled: false,
      ...(a.outcomeUnknown ? { outcomeUnknown: true as const } : {}),
    });
  });
  return { outcomes, sent, retryableFailures, throttledUntil };
}
