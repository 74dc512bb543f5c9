/**
 * Drizzle bound to a transaction that `Database.transaction` already opened. The handle is
 * drizzle's own transaction object, built over the transaction's connection (pg) or PGlite's
 * transaction (embedded) without issuing BEGIN: it runs statements on that connection, and its
 * transaction() opens a savepoint, as drizzle does inside a transaction, never a second
 * transaction. Statement names on pg come from the pooled connection itself, so drizzle's
 * statements inside a transaction are prepared as they are outside one.
 */

import type { Transaction as PgliteTx } from "@electric-sql/pglite";
import { createTableRelationsHelpers, extractTablesRelationalConfig } from "drizzle-orm";
import { NodePgSession, NodePgTransaction } from "drizzle-orm/node-postgres";
import { PgDialect } from "drizzle-orm/pg-core";
import { PgliteSession, PgliteTransaction } from "drizzle-orm/pglite";
import type pg from "pg";
import type { Orm } from "./client.js";
import { schema } from "./schema.js";

/** What `drizzle(client, { schema })` derives from the schema, computed once. */
const relational = (() => {
  const { tables, tableNamesMap } = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
  return { fullSchema: schema, schema: tables, tableNamesMap };
})();

/** Drizzle over the connection that holds an open pg transaction. */
export function pgTransactionOrm(client: pg.PoolClient): Orm {
  const dialect = new PgDialect();
  return new NodePgTransaction(dialect, new NodePgSession(client, dialect, relational), relational) as unknown as Orm;
}

/** Drizzle over PGlite's transaction object, which runs its statements under the lock that transaction holds. */
export function pgliteTransactionOrm(tx: PgliteTx): Orm {
  const dialect = new PgDialect();
  return new PgliteTransaction(dialect, new PgliteSession(tx, dialect, relational), relational) as unknown as Orm;
}
