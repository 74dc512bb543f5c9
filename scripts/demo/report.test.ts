import { describe, expect, it } from "vitest";
import { channelReport, percentile, progressLine } from "./report.js";

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

describe("demo report", () => {
  it("counts statuses and measures to-provider and receipt latency on our own clocks", () => {
    const r = channelReport("smpp", [
      { status: "delivered", created_at: at(0), sent_at: at(100), updated_at: at(350) },
      { status: "read", created_at: at(0), sent_at: at(200), updated_at: at(260) },
      { status: "failed", created_at: at(0), sent_at: at(50), updated_at: at(90), error_code: "EXPIRED" },
      { status: "sent", created_at: at(0), sent_at: at(70), updated_at: at(70) },
      { status: "queued", created_at: at(0), sent_at: null, updated_at: at(0) },
    ]);
    expect(r).toMatchObject({ total: 5, sent: 4, delivered: 2, failed: 1, pending: 1, awaitingReceipt: 1 });
    expect(r.toProviderMs).toEqual([100, 200, 50, 70]);
    expect(r.receiptMs).toEqual([250, 60]);
    expect(r.errors.get("EXPIRED")).toBe(1);
  });

  it("ranks percentiles by nearest rank and says '-' for nothing", () => {
    expect(percentile([], 0.5)).toBe("-");
    expect(percentile([5, 1, 3, 2, 4], 0.5)).toBe("3");
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        0.99,
      ),
    ).toBe("99");
  });

  it("draws a bar proportional to progress", () => {
    expect(progressLine("c", 15, 30, { sent: 1500 })).toBe(`c [${"█".repeat(15)}${"░".repeat(15)}]  50%  sent 1,500`);
  });
});
