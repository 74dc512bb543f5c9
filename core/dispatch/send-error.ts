/**
 * The one error type a send rejects with. Adapters classify every failure into a SendError and
 * throw it; the channel turn reads it once (actors/channel/send-attempt.ts) to decide the
 * message's next step.
 */

/**
 * How the caller should treat a failed send. Adapters classify; the channel actor decides
 * whether to retry, back off or fail the message — adapters never retry or sleep themselves.
 */
export type SendErrorKind = "permanent" | "retryable" | "throttled";

export interface SendErrorInit {
  kind: SendErrorKind;
  /** Our stable code, e.g. "recipient_opted_out", "provider_unavailable", "outside_care_window". */
  code: string;
  message: string;
  /** The provider's own error code, kept verbatim for support tickets and dashboards. */
  providerCode?: string | null;
  /** How long the provider asked us to wait, when it said so. */
  retryAfterMs?: number | null;
  /** The recipient refused messages from us (STOP, blocked bot); the contact should be marked. */
  optOut?: boolean;
  /** HTTP status or SMPP command_status, when there was one. */
  status?: number | null;
  /**
   * The request went out and no answer came back (the connection dropped or timed out after it
   * was written): the provider may have accepted it, so a retry may send it twice.
   */
  outcomeUnknown?: boolean;
}

export class SendError extends Error {
  readonly kind: SendErrorKind;
  readonly code: string;
  readonly providerCode: string | null;
  readonly retryAfterMs: number | null;
  readonly optOut: boolean;
  readonly status: number | null;
  readonly outcomeUnknown: boolean;

  constructor(init: SendErrorInit) {
    super(init.message);
    this.name = "SendError";
    this.kind = init.kind;
    this.code = init.code;
    this.providerCode = init.providerCode ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.optOut = init.optOut ?? false;
    this.status = init.status ?? null;
    this.outcomeUnknown = init.outcomeUnknown ?? false;
  }

  get retryable(): boolean {
    return this.kind !== "permanent";
  }

  get throttled(): boolean {
    return this.kind === "throttled";
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      code: this.code,
      message: this.message,
      providerCode: this.providerCode,
      retryAfterMs: this.retryAfterMs,
      optOut: this.optOut,
      status: this.status,
      outcomeUnknown: this.outcomeUnknown,
    };
  }
}
