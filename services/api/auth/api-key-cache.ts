/**
 * Server-to-server clients send the same key on every request; looking it up in the database
 * each time costs a round trip per call. Verified keys are remembered for a few seconds (keyed
 * by a hash, never the key itself). A key revoked through this process is forgotten at once;
 * other replicas stop accepting it within the TTL.
 */

import { createHash } from "node:crypto";
import type { ApiKeyRow } from "../../../db/schema.js";

export class ApiKeyCache {
  private readonly entries = new Map<string, { row: ApiKeyRow; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  private static id(key: string): string {
    return createHash("sha256").update(key).digest("base64url");
  }

  get(key: string, now: Date): ApiKeyRow | undefined {
    if (this.ttlMs <= 0) return undefined;
    const id = ApiKeyCache.id(key);
    const hit = this.entries.get(id);
    if (!hit) return undefined;
    if (hit.until <= now.getTime()) {
      this.entries.delete(id);
      return undefined;
    }
    return hit.row;
  }

  set(key: string, row: ApiKeyRow, now: Date): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(ApiKeyCache.id(key), { row, until: now.getTime() + this.ttlMs });
  }

  forget(apiKeyId: string): void {
    for (const [id, e] of this.entries) if (e.row.id === apiKeyId) this.entries.delete(id);
  }
}
