/**
 * Applies db/migrations/*.sql in file-name order, each once, each in its own transaction, and
 * records it in schema_migrations. Safe to call on every start-up and from several replicas at
 * once: a PostgreSQL advisory lock lets one replica migrate while the others wait, then find
 * nothing left to do. A migration that was edited after being applied is refused (checksum).
 */

import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Database, Session } from "./client.js";

export const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));

/** Arbitrary constant shared by every replica ("turumba" in ASCII read as a number). */
const LOCK_KEY = "32780231755260513";

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

export async function runMigrations(
  db: Database,
  opts: { dir?: string; log?: (msg: string) => void } = {},
): Promise<MigrationResult> {
  const dir = opts.dir ?? MIGRATIONS_DIR;
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const scripts = await Promise.all(
    files.map(async (name) => ({ name, text: await readFile(`${dir}/${name}`, "utf8") })),
  );
  return db.withSession(async (s) => {
    // Migrations may rewrite large tables, and the lock may wait for another replica's: the pool's
    // per-statement cap applies to neither.
    if (db.kind === "pg") await s.exec("SET statement_timeout = 0");
    await s.query(`SELECT pg_advisory_lock(${LOCK_KEY})`);
    try {
      return await applyAll(db, s, scripts, opts.log);
    } finally {
      await s.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`);
    }
  });
}

async function applyAll(
  db: Database,
  s: Session,
  scripts: { name: string; text: string }[],
  log?: (msg: string) => void,
): Promise<MigrationResult> {
  await s.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name varchar(255) PRIMARY KEY,
    checksum char(64) NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const done = new Map(
    (await s.query<{ name: string; checksum: string }>("SELECT name, checksum FROM schema_migrations")).rows.map(
      (r) => [r.name, r.checksum],
    ),
  );
  const result: MigrationResult = { applied: [], skipped: [] };
  for (const { name, text } of scripts) {
    const checksum = createHash("sha256").update(text).digest("hex");
    const previous = done.get(name);
    if (previous !== undefined) {
      if (previous !== checksum)
        throw new Error(`migration ${name} changed after it was applied; add a new migration instead`);
      result.skipped.push(name);
      continue;
    }
    // The migration runs in a transaction of its own while this session keeps the lock: on pg that
    // is a second connection, on the embedded database the same session under PGlite's lock.
    try {
      await db.transaction(async (tx) => {
        if (db.kind === "pg") await tx.exec("SET LOCAL statement_timeout = 0");
        await tx.exec(text);
        await tx.query("INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", [name, checksum]);
      });
    } catch (err) {
      throw new Error(`migration ${name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    log?.(`applied migration ${name}`);
    result.applied.push(name);
  }
  return result;
}
