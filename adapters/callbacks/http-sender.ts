/**
 * Sends callback requests to tenants' endpoints with undici. The tenant chose the host, so every
 * connection resolves it once through the outbound-address rule (adapters/contract/outbound-address.ts)
 * and connects to the address it checked: a private, loopback or metadata address is refused
 * unless the operator allowed it, and a second resolution cannot swap the address in between.
 * Redirects are never followed (a 3xx is a failure: following one would let a public endpoint
 * point us inside), and a request that takes longer than the timeout is abandoned.
 */

import type { LookupAddress, LookupOneOptions } from "node:dns";
import { Agent, request } from "undici";
import type { CallbackRequest, CallbackResult, CallbackSender } from "../../core/callbacks/sender.js";
import { SendError } from "../../core/dispatch/send-error.js";
import { checkedDestination, type Lookup, type OutboundPolicy } from "../contract/outbound-address.js";

export interface HttpCallbackSenderOptions {
  outbound: OutboundPolicy;
  timeoutMs: number;
  /** Connections per endpoint origin: the per-endpoint concurrency cap at the socket level. */
  connectionsPerOrigin: number;
  /** DNS resolution (tests substitute it). */
  lookup?: Lookup;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export class HttpCallbackSender implements CallbackSender {
  private readonly agent: Agent;

  constructor(private readonly opts: HttpCallbackSenderOptions) {
    const checkedLookup = (hostname: string, options: LookupOneOptions & { all?: boolean }, cb: LookupCallback) => {
      checkedDestination(hostname, opts.outbound, opts.lookup).then(
        (d) => (options.all ? cb(null, [{ address: d.address, family: d.family }]) : cb(null, d.address, d.family)),
        (err: unknown) => {
          const code = err instanceof SendError ? err.code : "dns_failed";
          cb(
            Object.assign(new Error(err instanceof Error ? err.message : String(err)), { code: `TURUMBA_${code}` }),
            "",
          );
        },
      );
    };
    this.agent = new Agent({
      connections: opts.connectionsPerOrigin,
      connect: { lookup: checkedLookup as never, timeout: opts.timeoutMs },
      keepAliveTimeout: 30_000,
    });
  }

  async send(req: CallbackRequest): Promise<CallbackResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const res = await request(req.url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "Turumba-Callbacks/1", ...req.headers },
        body: req.body,
        dispatcher: this.agent,
        headersTimeout: this.opts.timeoutMs,
        bodyTimeout: this.opts.timeoutMs,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      // The answer's body is not used; reading it frees the connection for the next request.
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      const statusCode = res.statusCode;
      if (statusCode >= 200 && statusCode < 300) return { ok: true, statusCode, latencyMs: elapsed(), errorCode: null };
      const errorCode = statusCode >= 300 && statusCode < 400 ? "redirect_not_followed" : "http_error";
      return { ok: false, statusCode, latencyMs: elapsed(), errorCode };
    } catch (err) {
      return { ok: false, statusCode: null, latencyMs: elapsed(), errorCode: failureCode(err) };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** Our error code for a request that got no answer. */
function failureCode(err: unknown): string {
  const codes: string[] = [];
  for (let e: unknown = err; e && typeof e === "object" && codes.length < 5; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    const name = (e as { name?: unknown }).name;
    if (typeof code === "string") codes.push(code);
    if (typeof name === "string") codes.push(name);
  }
  if (codes.includes("TURUMBA_destination_forbidden")) return "destination_forbidden";
  if (codes.some((c) => c.startsWith("TURUMBA_") || c === "ENOTFOUND" || c === "EAI_AGAIN")) return "dns_failed";
  if (codes.some((c) => /Timeout|TimeoutError|AbortError|ETIMEDOUT|UND_ERR_.*TIMEOUT/.test(c))) return "timeout";
  return "connection_failed";
}
