import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mediaLinkKey, verifyMediaLink } from "../../core/media/link-token.js";
import type { Database } from "../../db/client.js";
import { insertMedia } from "../../db/media/media-rows.js";
import { openMigratedEmbedded } from "../../db/testkit/embedded.js";
import { attachmentResolver } from "./attachment-links.js";

describe("attachment links at dispatch", () => {
  let db: Database;
  const account = randomUUID();
  const id = randomUUID();
  const key = mediaLinkKey("k1:test");
  const now = new Date("2026-11-27T12:00:00Z");
  beforeAll(async () => {
    db = await openMigratedEmbedded();
    await insertMedia(db.orm, {
      id,
      accountId: account,
      contentType: "application/pdf",
      sizeBytes: 1234,
      sha256: "0".repeat(64),
      chunkCount: 1,
      chunkBytes: 2 * 1024 * 1024,
      filename: "terms.pdf",
      source: "upload",
      createdAt: now,
      expiresAt: new Date(now.getTime() + 86_400_000),
    });
  }, 60_000);
  afterAll(async () => db.close());

  it("turns a media id into a signed link that verifies for the TTL, and passes URLs on with their kind", async () => {
    const [stored, linked] = await attachmentResolver({
      db,
      key,
      publicBaseUrl: "https://api.example.com/",
      ttlMs: 600_000,
      now: () => now,
    })(account, [{ media_id: id }, { url: "https://cdn.example/clip.mp4" }]);
    expect(stored).toMatchObject({
      kind: "document",
      contentType: "application/pdf",
      filename: "terms.pdf",
      sizeBytes: 1234,
    });
    const token = stored!.url.replace("https://api.example.com/media-links/", "");
    expect(verifyMediaLink(key, token, now)).toBe(id);
    expect(verifyMediaLink(key, token, new Date(now.getTime() + 600_001))).toBeUndefined();
    expect(linked).toEqual({
      url: "https://cdn.example/clip.mp4",
      kind: "video",
      contentType: null,
      filename: null,
      sizeBytes: null,
    });
  });

  it("fails permanently for another account's object or without a public base URL", async () => {
    await expect(
      attachmentResolver({ db, key, publicBaseUrl: "https://a.example", ttlMs: 1, now: () => now })(randomUUID(), [
        { media_id: id },
      ]),
    ).rejects.toMatchObject({ kind: "permanent", code: "media_not_found" });
    await expect(
      attachmentResolver({ db, key, ttlMs: 1, now: () => now })(account, [{ media_id: id }]),
    ).rejects.toMatchObject({ kind: "permanent", code: "media_link_unavailable" });
  });
});
