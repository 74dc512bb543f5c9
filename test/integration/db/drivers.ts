import { openDatabase, type Database } from "../../../db/client.js";
import { runMigrations } from "../../../db/migrate.js";
import { createTestDatabase } from "../support/database.js";

/**
 * The two drivers behind one schema. Each `open` gives a freshly migrated, empty database of
 * its own (a uniquely named PostgreSQL database, or an in-memory PGlite), so suites can run
 * beside each other.
 */
export interface Driver {
  name: "pg" | "pglite";
  open(): Promise<{ db: Database; close(): Promise<void> }>;
}

export const pgDriver: Driver = {
  name: "pg",
  async open() {
    const tdb = await createTestDatabase("db");
    const db = await openDatabase({ url: tdb.url, poolMax: 10 });
    await runMigrations(db);
    return {
      db,
      async close() {
        await db.close();
        await tdb.drop();
      },
    };
  },
};

export const pgliteDriver: Driver = {
  name: "pglite",
  async open() {
    const db = await openDatabase({});
    await runMigrations(db);
    return { db, close: () => db.close() };
  },
};
