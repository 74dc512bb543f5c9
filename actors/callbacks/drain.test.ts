import { describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.js";
import { verifyCallbackSignature } from "../../core/callbacks/signature.js";
import type { CallbackRequest, CallbackResult } from "../../core/callbacks/sender.js";
import type { CallbackAttempt, CallbackPorts, DueCallback } from "./callback-ports.js";
import { drainEndpoint, Pacer } from "./drain.js";

interface Row extends DueCallback {
  key: string;
  status: "pending" | "delivered" | "failed";
  nextAt: number;
}

/** An in-memory delivery log with the store's ordering rule, and a scripted endpoint. */
function fakePorts(rows: Row[], answer: (req: CallbackRequest) => number | null, clock = { t: 1_000_000 }) {
  const sent: CallbackRequest[] = [];
  const disabled: string[] = [];
  const ports: CallbackPorts = {
    log: createLogger("test", { level: "silent" }),
    now: () => clock.t,
    settings: {
      retryPeriodMs: 60_000,
      concurrency: 4,
      ratePerSecond: 10_000,
      batchSize: 10,
      drainBudgetMs: 10_000,
      baseDelayMs: 1_000,
    },
    sender: {
      send(req): Promise<CallbackResult> {
        sent.push(req);
        const code = answer(req);
        return Promise.resolve({
          ok: code !== null && code < 300,
          statusCode: code,
          latencyMs: 1,
          errorCode: code === null ? "connection_failed" : code < 300 ? null : "http_error",
        });
      },
    },
    endpoint: () =>
      Promise.resolve({ url: "https://example.com/hook", secret: "whsec_x", enabled: disabled.length === 0 }),
    due: (_id, now, limit) =>
      Promise.resolve(
        rows
          .filter(
            (r) =>
              r.status === "pending" &&
              r.nextAt <= now.getTime() &&
              !rows.some((p) => p.status === "pending" && p.key === r.key && Number(p.id) < Number(r.id)),
          )
          .slice(0, limit),
      ),
    record(attempts: CallbackAttempt[]) {
      for (const a of attempts) {
        const r = rows.find((x) => x.id === a.id)!;
        r.attempts++;
        r.firstAttemptAt ??= a.attemptedAt;
        if ("delivered" in a.next) r.status = "delivered";
        else if ("failed" in a.next) r.status = "failed";
        else r.nextAt = a.next.retryAt.getTime();
      }
      return Promise.resolve();
    },
    nextDueAt: () => {
      const heads = rows.filter(
        (r) =>
          r.status === "pending" &&
          !rows.some((p) => p.status === "pending" && p.key === r.key && Number(p.id) < Number(r.id)),
      );
      const pending = heads.map((r) => r.nextAt);
      return Promise.resolve(pending.length ? new Date(Math.min(...pending)) : undefined);
    },
    disable: (_id, reason) => {
      disabled.push(reason);
      for (const r of rows) if (r.status === "pending") r.status = "failed";
      return Promise.resolve();
    },
  };
  return { ports, sent, disabled, clock };
}

const row = (id: number, key: string): Row => ({
  id: String(id),
  eventId: `e${id}`,
  eventType: "message.status",
  body: JSON.stringify({ id: `e${id}` }),
  attempts: 0,
  firstAttemptAt: null,
  key,
  status: "pending",
  nextAt: 0,
});

describe("callback drain", () => {
  it("sends signed requests, a key's deliveries in order, one per key per round", async () => {
    const rows = [row(1, "m1"), row(2, "m1"), row(3, "m2"), row(4, "m1")];
    const f = fakePorts(rows, () => 200);
    const r = await drainEndpoint("ep", f.ports, new Pacer(10_000));
    expect(r).toMatchObject({ delivered: 4, failed: 0, nextDueAt: undefined });
    const order = f.sent.map((s) => (JSON.parse(s.body) as { id: string }).id);
    expect(order.filter((id) => ["e1", "e2", "e4"].includes(id))).toEqual(["e1", "e2", "e4"]);
    for (const s of f.sent)
      expect(verifyCallbackSignature("whsec_x", s.headers["Turumba-Signature"], s.body, f.clock.t / 1000)).toBe(true);
  });

  it("holds a key's later deliveries while an earlier one waits for its retry", async () => {
    const rows = [row(1, "m1"), row(2, "m1"), row(3, "m2")];
    const f = fakePorts(rows, (req) => (req.body.includes("e1") ? 500 : 200));
    const r = await drainEndpoint("ep", f.ports, new Pacer(10_000));
    expect(r.delivered).toBe(1);
    expect(rows.map((x) => x.status)).toEqual(["pending", "pending", "delivered"]);
    expect(r.nextDueAt!.getTime()).toBeGreaterThan(f.clock.t);
    expect(f.sent.some((s) => s.body.includes("e2"))).toBe(false);
  });

  it("retries until the retry period is over, then disables the endpoint with the reason", async () => {
    const rows = [row(1, "m1"), row(2, "m2")];
    const f = fakePorts(rows, () => null);
    let r = await drainEndpoint("ep", f.ports, new Pacer(10_000));
    for (let i = 0; i < 50 && !r.disabled; i++) {
      f.clock.t = r.nextDueAt!.getTime();
      r = await drainEndpoint("ep", f.ports, new Pacer(10_000));
    }
    expect(r.disabled).toMatch(/retry period.*connection_failed/);
    expect(f.disabled).toHaveLength(1);
    expect(rows.every((x) => x.status === "failed")).toBe(true);
    expect(rows[0]!.attempts).toBeGreaterThan(2);
  });
});
