/**
 * One schema, two drivers: PostgreSQL through `pg` (production and every integration test) and
 * PGlite, PostgreSQL compiled to WebAssembly, for the embedded default that needs no server.
 * Repositories only see `Orm`, which both drivers (and their transactions) satisfy. It has no
 * transaction(): every transaction, drizzle or raw SQL, goes through `Database.transaction`, the
 * one helper that is correct on both drivers.
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { PGlite, type Transaction as PgliteTransaction } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import pg from "pg";
import { schema } from "./schema.js";
import { pgliteTransactionOrm, pgTransactionOrm } from "./transaction-orm.js";

export type Orm = Omit<PgDatabase<PgQueryResultHKT, typeof schema>, "transaction">;

/** A single connection for work that must share a session (advisory locks, DDL scripts). */
export interface Session {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Several statements in one round trip (simple protocol); no parameters. */
  exec(text: string): Promise<void>;
}

/**
 * The statements of one open transaction: raw SQL through the session methods, drizzle through
 * `orm`, both on the same connection. `orm` is built on first use; it is drizzle's transaction
 * object, so reaching its own transaction() (the type hides it) opens a savepoint, not a second
 * transaction.
 */
export interface Transaction extends Session {
  readonly orm: Orm;
}

export type IsolationLevel = "read committed" | "repeatable read" | "serializable";

export interface Database {
  readonly kind: "pg" | "pglite";
  readonly orm: Orm;
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. On pg
   * the transaction has a pooled connection of its own; on PGlite, whose one session every caller
   * shares, it holds PGlite's transaction lock, so other callers' statements wait for it instead
   * of running inside it. Inside `fn` use only the transaction given (`tx` and `tx.orm`): on
   * PGlite any other use of this database, `orm` included, would wait for the very transaction it
   * runs in (it throws instead); on pg it would run outside the transaction.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, opts?: { isolation?: IsolationLevel }): Promise<T>;
  /** True when a trivial query answers; used by readiness probes. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; when absent the embedded database is used. */
  url?: string;
  /** Directory of the embedded database; absent means in memory. */
  embeddedDir?: string;
  poolMax?: number;
  /** Server-side cap on any one statement, so a pathological filter cannot hold a connection. */
  statementTimeoutMs?: number;
  applicationName?: string;
  /** Server-side prepared statements for parameterised queries (pg only); on by default. */
  prepareStatements?: boolean;
  /** How long an idle pooled connection stays open (pg only); 0 keeps it. */
  idleTimeoutMs?: number;
  /**
   * How long a caller waits for a pooled connection before failing (pg only): a pool held by
   * slow work answers "busy" instead of queueing every request of the replica without end.
   */
  connectionTimeoutMs?: number;
  /**
   * The server ends a session whose transaction sits idle this long (pg only): a transaction
   * waiting on something outside the database (a client, a provider) must not hold a connection
   * and its locks indefinitely.
   */
  idleInTransactionTimeoutMs?: number;
}

/** pg's error when the pool had no connection to give within connectionTimeoutMs (it has no code). */
export function isPoolExhausted(err: unknown): boolean {
  let e: unknown = err;
  for (let i = 0; i < 3 && e instanceof Error; i++) {
    if (/timeout exceeded when trying to connect/.test(e.message)) return true;
    e = e.cause;
  }
  return false;
}

export async function openDatabase(opts: OpenDatabaseOptions = {}): Promise<Database> {
  return opts.url ? openPg(opts.url, opts) : openPglite(opts.embeddedDir);
}

function openPg(url: string, opts: OpenDatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolMax ?? 20,
    idleTimeoutMillis: opts.idleTimeoutMs ?? 10_000,
    statement_timeout: opts.statementTimeoutMs ?? 15_000,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 10_000,
    idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMs ?? 60_000,
    application_name: opts.applicationName ?? "turumba",
    // With prepared statements (below), reuse one generic plan instead of re-planning each
    // execution: PostgreSQL's own heuristic keeps re-planning queries on partitioned tables,
    // and planning a dozen partitions costs several times the query itself. Partitions are
    // still pruned at run time. A generic plan is only as good as the statistics it was made
    // with: a statement over a fast-growing table can opt out per transaction (SET LOCAL
    // plan_cache_mode = force_custom_plan; see the dispatch claim).
    ...(opts.prepareStatements !== false ? { options: "-c plan_cache_mode=force_generic_plan" } : {}),
  });
  // An idle client losing its server must not crash the process; the next checkout reconnects.
  pool.on("error", () => undefined);
  if (opts.prepareStatements !== false) pool.on("connect", (client) => autoPrepare(client));
  const orm = drizzlePg(pool, { schema }) as unknown as Orm;
  const sessionOf = (client: pg.PoolClient): Session => ({
    query: async <R>(text: string, params?: unknown[]) => ({ rows: (await client.query(text, params)).rows as R[] }),
    exec: async (text) => {
      await client.query(text);
    },
  });
  return {
    kind: "pg",
    orm,
    async withSession(fn) {
      const client = await pool.connect();
      try {
        return await fn(sessionOf(client));
      } finally {
        client.release();
      }
    },
    async transaction(fn, opts) {
      const client = await pool.connect();
      // A connection that could not roll back is in an unknown state: it is closed, not reused.
      let broken: Error | undefined;
      try {
        await client.query(opts?.isolation ? `BEGIN ISOLATION LEVEL ${opts.isolation.toUpperCase()}` : "BEGIN");
        const out = await fn(transactionOf(sessionOf(client), () => pgTransactionOrm(client)));
        // COMMIT of a transaction whose statement failed (and whose error fn swallowed) rolls back
        // without an error: reported as a failure, as PGlite does.
        const done = await client.query("COMMIT");
        if (done.command === "ROLLBACK")
          throw new Error("the transaction was aborted by a failed statement and rolled back");
        return out;
      } catch (err) {
        await client.query("ROLLBACK").catch((e: unknown) => (broken = e instanceof Error ? e : new Error(String(e))));
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async ping() {
      try {
        await pool.query("SELECT 1");
        return true;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Planning a query over a partitioned table (a dozen monthly partitions, each with its own
 * indexes) costs more than running it. Naming each parameterised statement after a hash of its
 * text makes PostgreSQL keep it prepared per connection and, after a few runs, reuse a generic
 * plan with run-time partition pruning. The set of names is bounded; statements beyond it run
 * unnamed as before.
 */
const MAX_STATEMENTS = 2_000;
const statementNames = new Map<string, string>();

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (!name && statementNames.size < MAX_STATEMENTS) {
    name = `t${createHash("sha1").update(text).digest("hex")}`;
    statementNames.set(text, name);
  }
  return name;
}

type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown;

function autoPrepare(client: pg.PoolClient): void {
  const query = client.query.bind(client) as QueryFn;
  const named: QueryFn = (config, values, callback) => {
    const params = Array.isArray(values) ? values : (config as { values?: unknown[] } | null)?.values;
    if (Array.isArray(params) && params.length > 0) {
      if (typeof config === "string") {
        const name = statementName(config);
        if (name) config = { text: config, name };
      } else if (
        config &&
        typeof config === "object" &&
        typeof (config as { text?: unknown }).text === "string" &&
        !(config as { name?: string }).name
      ) {
        const name = statementName((config as { text: string }).text);
        if (name) config = { ...config, name };
      }
    }
    return query(config, values, callback);
  };
  (client as unknown as { query: QueryFn }).query = named;
}

/** Drizzle is bound on first use only: most transactions (the pipeline's) are raw SQL. */
function transactionOf(session: Session, bindOrm: () => Orm): Transaction {
  let orm: Orm | undefined;
  return {
    ...session,
    get orm() {
      return (orm ??= bindOrm());
    },
  };
}

/** Set while a PGlite transaction runs, to refuse the nested use that would wait for it forever. */
const pgliteTransaction = new AsyncLocalStorage<{ open: boolean }>();

function outsidePgliteTransaction(): void {
  if (pgliteTransaction.getStore()?.open) {
    throw new Error(
      "the embedded database was used outside the session of the transaction this code runs in; use that session",
    );
  }
}

/** The client as drizzle sees it: each statement is refused while a transaction runs in the caller's context. */
function guardedAgainstTransaction(client: PGlite): PGlite {
  const guarded = new Set<PropertyKey>(["query", "exec", "transaction"]);
  return new Proxy(client, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      if (!guarded.has(key)) return bound;
      return (...args: unknown[]) => {
        outsidePgliteTransaction();
        return bound(...args);
      };
    },
  });
}

async function openPglite(dir: string | undefined): Promise<Database> {
  const client = new PGlite(dir);
  await client.waitReady;
  const orm = drizzlePglite(guardedAgainstTransaction(client), { schema }) as unknown as Orm;
  const sessionOf = (on: PGlite | PgliteTransaction): Session => ({
    query: async <R>(text: string, params?: unknown[]) => ({ rows: (await on.query(text, params)).rows as R[] }),
    exec: async (text) => {
      await on.exec(text);
    },
  });
  const session = sessionOf(client);
  return {
    kind: "pglite",
    orm,
    // PGlite is a single session already; its own lock serialises callers statement by statement.
    withSession: (fn) => {
      outsidePgliteTransaction();
      return fn(session);
    },
    // PGlite's transaction() holds the lock that its query() and exec() take for each statement,
    // so every other caller waits until this transaction ends.
    transaction: (fn, opts) => {
      outsidePgliteTransaction();
      const state = { open: true };
      return pgliteTransaction.run(state, () =>
        client
          .transaction(async (tx) => {
            if (opts?.isolation) await tx.exec(`SET TRANSACTION ISOLATION LEVEL ${opts.isolation.toUpperCase()}`);
            return fn(transactionOf(sessionOf(tx), () => pgliteTransactionOrm(tx)));
          })
          .finally(() => (state.open = false)),
      );
    },
    async ping() {
      try {
        await client.query("SELECT 1");
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.close(),
  };
}
