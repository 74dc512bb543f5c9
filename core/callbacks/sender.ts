/**
 * The port a callback delivery goes through: one signed POST to a tenant's endpoint. The
 * implementation (adapters/callbacks/http-sender.ts) owns the HTTP client and the destination
 * check; the delivery actor sees only this outcome.
 */

export interface CallbackRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export interface CallbackResult {
  /** A 2xx answer. */
  ok: boolean;
  /** The endpoint's HTTP status, or null when no answer came (timeout, refused, forbidden address). */
  statusCode: number | null;
  latencyMs: number;
  /**
   * Why it failed, as the delivery log shows it: http_error, redirect_not_followed, timeout,
   * connection_failed, dns_failed, destination_forbidden. Null on success.
   */
  errorCode: string | null;
}

export interface CallbackSender {
  send(req: CallbackRequest): Promise<CallbackResult>;
}
