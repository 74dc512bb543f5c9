import { describe, expect, it } from "vitest";
import type { Database } from "../../db/client.js";
import type { SecretBox } from "../../db/secret-box.js";
import { ChannelCache } from "./channel-cache.js";

/** A database with no channels that counts the lookups it answers. */
function emptyDatabase() {
  let queries = 0;
  const db = {
    withSession: async <T>(fn: (s: { query: () => Promise<{ rows: unknown[] }> }) => Promise<T>) =>
      fn({
        query: async () => {
          queries++;
          return { rows: [] };
        },
      }),
  } as unknown as Database;
  return { db, queries: () => queries };
}

describe("channel cache: what the receiver can answer without a query", () => {
  it("an unknown id is fresh while it is remembered as missing, and only then", async () => {
    let now = 0;
    const { db, queries } = emptyDatabase();
    const cache = new ChannelCache(db, {} as SecretBox, 30_000, () => now);
    const id = "0b6f2d1e-5f43-4b8e-9a55-3c1d2e4f5a6b";
    expect(cache.isFresh(id)).toBe(false);
    const lookup = cache.get(id);
    // A read in flight is shared: asking again costs no query.
    expect(cache.isFresh(id)).toBe(true);
    expect(await lookup).toBeUndefined();
    expect(cache.isFresh(id)).toBe(true);
    await cache.get(id);
    expect(queries()).toBe(1);
    now += 5_001;
    expect(cache.isFresh(id)).toBe(false);
  });
});
