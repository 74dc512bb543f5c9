/**
 * Calls actor methods through the sidecar's HTTP API, each call bounded by a deadline.
 *
 * The SDK's ActorProxyBuilder sends a method's arguments as an array while its runtime hands the
 * body to the method as one value, so proxies and actors disagree on the shape: we invoke by name
 * with exactly one JSON body, which is what our actor methods take. The SDK's own client has no
 * deadline either: a sidecar whose actor runtime stopped answering (placement dropped the host in
 * a fault drill and it never took its actors back) held every nudge open for good, with nothing
 * logged. Here a call that outlives its deadline fails with `actor_call_timeout`, so the caller's
 * log says so and the sweeper's next nudge tries again.
 */

export interface ActorInvoker {
  invoke<T = unknown>(actorType: string, actorId: string, method: string, body?: unknown): Promise<T>;
}

export interface ActorInvokerOptions {
  daprHost: string;
  daprPort: number | string;
  daprApiToken?: string;
  /** Longer than the longest actor turn: a send turn can wait 30 s for an SMSC's answer. */
  timeoutMs: number;
}

/** An actor call the sidecar answered with an error status, or that did not finish in time. */
export class ActorCallError extends Error {
  constructor(
    readonly code: "actor_call_failed" | "actor_call_timeout",
    readonly status: number | null,
    message: string,
  ) {
    super(message);
    this.name = "ActorCallError";
  }
}

export function createActorInvoker(opts: ActorInvokerOptions): ActorInvoker {
  const base = `http://${opts.daprHost}:${opts.daprPort}/v1.0/actors`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.daprApiToken) headers["dapr-api-token"] = opts.daprApiToken;
  return {
    async invoke<T>(actorType: string, actorId: string, method: string, body?: unknown): Promise<T> {
      const url = `${base}/${encodeURIComponent(actorType)}/${encodeURIComponent(actorId)}/method/${encodeURIComponent(method)}`;
      const signal = AbortSignal.timeout(opts.timeoutMs);
      let text: string;
      let status: number;
      try {
        const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body ?? {}), signal });
        status = res.status;
        text = await res.text();
      } catch (err) {
        if (signal.aborted) {
          throw new ActorCallError(
            "actor_call_timeout",
            null,
            `${actorType}.${method} on ${actorId}: no answer from the sidecar within ${opts.timeoutMs} ms`,
          );
        }
        throw err;
      }
      if (status < 200 || status > 299) {
        throw new ActorCallError(
          "actor_call_failed",
          status,
          `${actorType}.${method} on ${actorId}: ${status} ${text}`,
        );
      }
      if (text === "") return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        return text as T;
      }
    },
  };
}
