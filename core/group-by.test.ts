import { describe, expect, it } from "vitest";
import { groupBy } from "./group-by.js";

describe("groupBy", () => {
  it("groups by key in first-seen order", () => {
    const g = groupBy([1, 2, 3, 4, 5], (n) => (n % 2 ? "odd" : "even"));
    expect([...g.keys()]).toEqual(["odd", "even"]);
    expect(g.get("odd")).toEqual([1, 3, 5]);
    expect(g.get("even")).toEqual([2, 4]);
  });
});
