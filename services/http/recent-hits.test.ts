import { describe, expect, it } from "vitest";
import { RecentHits } from "./recent-hits.js";

const at = (s: number) => new Date(1_800_000_000_000 + s * 1000);

describe("RecentHits", () => {
  it("counts a key's hits within the window and forgets older ones", () => {
    const hits = new RecentHits(60);
    hits.record("a", at(0));
    hits.record("a", at(30), 2);
    hits.record("b", at(30));
    expect(hits.count(["a"], at(30))).toBe(3);
    expect(hits.count(["a", "b"], at(30))).toBe(4);
    expect(hits.count(["a"], at(60))).toBe(2);
    expect(hits.count(["a"], at(90))).toBe(0);
    expect(hits.count(["unknown"], at(90))).toBe(0);
  });

  it("keeps at most maxKeys keys, dropping the oldest", () => {
    const hits = new RecentHits(60, 2);
    hits.record("a", at(0));
    hits.record("b", at(0));
    hits.record("c", at(0));
    expect(hits.count(["a"], at(0))).toBe(0);
    expect(hits.count(["b", "c"], at(0))).toBe(2);
  });
});
