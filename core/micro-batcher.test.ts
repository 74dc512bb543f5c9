import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MicroBatcher } from "./micro-batcher.js";

describe("MicroBatcher", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("flushes a full batch at once and hands each caller its own result", async () => {
    const flushed: number[][] = [];
    const b = new MicroBatcher<string, number, number>({
      maxItems: 3,
      maxWaitMs: 1_000,
      flush: async (_k, items) => {
        flushed.push(items);
        return items.map((n) => n * 10);
      },
    });
    const results = await Promise.all([b.add("a", 1), b.add("a", 2), b.add("a", 3)]);
    expect(results).toEqual([10, 20, 30]);
    expect(flushed).toEqual([[1, 2, 3]]);
  });

  it("flushes a partial batch after maxWaitMs, separately per key", async () => {
    const flushed: [string, number[]][] = [];
    const b = new MicroBatcher<string, number, number>({
      maxItems: 100,
      maxWaitMs: 20,
      flush: async (k, items) => {
        flushed.push([k, items]);
        return items;
      },
    });
    const p = Promise.all([b.add("a", 1), b.add("b", 2), b.add("a", 3)]);
    expect(b.size).toBe(3);
    await vi.advanceTimersByTimeAsync(20);
    await p;
    expect(flushed).toEqual([
      ["a", [1, 3]],
      ["b", [2]],
    ]);
    expect(b.size).toBe(0);
  });

  it("rejects every caller of a batch whose flush failed, and keeps working", async () => {
    let fail = true;
    const b = new MicroBatcher<string, number, number>({
      maxItems: 2,
      maxWaitMs: 5,
      flush: async (_k, items) => {
        if (fail) throw new Error("boom");
        return items;
      },
    });
    const failed = Promise.allSettled([b.add("a", 1), b.add("a", 2)]);
    expect((await failed).map((r) => r.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    await expect(Promise.all([b.add("a", 3), b.add("a", 4)])).resolves.toEqual([3, 4]);
  });

  it("rejects when the flush returns the wrong number of results", async () => {
    const b = new MicroBatcher<string, number, number>({ maxItems: 2, maxWaitMs: 5, flush: async () => [1] });
    const r = await Promise.allSettled([b.add("a", 1), b.add("a", 2)]);
    expect(r.every((x) => x.status === "rejected")).toBe(true);
  });
});
