import { describe, expect, it } from "vitest";
import { uuidv7, uuidv7Time } from "./ids.js";

describe("uuidv7", () => {
  it("embeds the millisecond timestamp and the version/variant bits", () => {
    const at = new Date("2026-03-10T12:34:56.789Z");
    const id = uuidv7(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7Time(id)).toEqual(at);
  });

  it("sorts by time as text", () => {
    const a = uuidv7(new Date(1_000));
    const b = uuidv7(new Date(2_000));
    expect(a < b).toBe(true);
  });

  it("says nothing about other versions", () => {
    expect(uuidv7Time("3f1e2d4c-0000-4000-8000-000000000000")).toBeUndefined();
  });
});

describe("uuidv7 within one millisecond", () => {
  it("increases, so rows minted in sequence keep their order", () => {
    const at = new Date("2026-03-10T12:00:00Z");
    const ids = Array.from({ length: 500 }, () => uuidv7(at));
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => uuidv7Time(id)!.getTime() === at.getTime())).toBe(true);
  });
});
