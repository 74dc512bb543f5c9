import { randomBytes } from "node:crypto";
import pg from "pg";

/** The server the integration suites use; scripts/infra.sh provides it on 127.0.0.1. */
export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? "postgres://turumba:turumba@127.0.0.1:5432/turumba";

/** Creates an empty database with a unique name; `drop` removes it (best effort). */
export async function createTestDatabase(
  prefix: string,
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `it_${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      // TURUMBA_IT_KEEP_DB=1 keeps it for a post-mortem (a failed drill's rows).
      if (process.env.TURUMBA_IT_KEEP_DB === "1") return;
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } catch {
        /* a leftover database is harmless */
      } finally {
        await c.end();
      }
    },
  };
}
