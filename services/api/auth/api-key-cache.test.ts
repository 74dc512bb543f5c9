import { describe, expect, it } from "vitest";
import type { ApiKeyRow } from "../../../db/schema.js";
import { ApiKeyCache } from "./api-key-cache.js";

const row = (id: string) => ({ id, accountId: "a", role: "user" }) as ApiKeyRow;
const t = (ms: number) => new Date(ms);

describe("ApiKeyCache", () => {
  it("remembers a verified key until its TTL, and forgets a revoked one at once", () => {
    const c = new ApiKeyCache(10_000);
    c.set("tmk_a", row("1"), t(0));
    expect(c.get("tmk_a", t(9_999))?.id).toBe("1");
    expect(c.get("tmk_a", t(10_000))).toBeUndefined();
    c.set("tmk_b", row("2"), t(0));
    c.forget("2");
    expect(c.get("tmk_b", t(1))).toBeUndefined();
    expect(c.get("tmk_other", t(1))).toBeUndefined();
  });

  it("stays bounded and can be turned off", () => {
    const c = new ApiKeyCache(10_000, 2);
    c.set("k1", row("1"), t(0));
    c.set("k2", row("2"), t(0));
    c.set("k3", row("3"), t(0));
    expect(c.get("k3", t(1))?.id).toBe("3");
    expect(c.get("k1", t(1))).toBeUndefined();
    const off = new ApiKeyCache(0);
    off.set("k", row("1"), t(0));
    expect(off.get("k", t(0))).toBeUndefined();
  });
});
