/**
 * verifyCredentials and checkHealth built on one cheap authenticated exchange with the provider
 * (an HTTP account request, an SMTP login, an SMPP bind and unbind). The probe resolves when the
 * provider accepted us and rejects with a SendError otherwise; every adapter reads its answer the
 * same way, so "error" and "disconnected" mean the same thing whichever provider reports them.
 */

import { SendError } from "../../core/dispatch/send-error.js";
import type { ChannelHealth, CredentialCheck } from "./types.js";

export type Probe = () => Promise<void>;

/**
 * Valid when the provider accepted the credentials, invalid with its reason when it refused them;
 * an outage (retryable or throttled) is not an answer, so it propagates.
 */
export async function verifyByProbe(probe: Probe): Promise<CredentialCheck> {
  try {
    await probe();
    return { valid: true };
  } catch (err) {
    if (err instanceof SendError && err.kind === "permanent")
      return { valid: false, code: err.code, reason: err.message };
    throw err;
  }
}

/** Connected with the probe's latency, disconnected when the provider cannot be reached, error for any other refusal. */
export async function healthByProbe(probe: Probe): Promise<ChannelHealth> {
  const started = performance.now();
  try {
    await probe();
    return { status: "connected", latencyMs: Math.round(performance.now() - started), errorMessage: null };
  } catch (err) {
    const e =
      err instanceof SendError ? err : new SendError({ kind: "retryable", code: "unknown", message: String(err) });
    const unreachable = e.code === "provider_unreachable";
    return { status: unreachable ? "disconnected" : "error", latencyMs: null, errorMessage: `${e.code}: ${e.message}` };
  }
}
