import { createHash } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import pg from "pg";
import { schema } from "./schema.js";

/**
 * One schema, two drivers: PostgreSQL through `pg` (production and every integration test) and
 * PGlite, PostgreSQL compiled to WebAssembly, for the embedded default that needs no server.
 * Repositories only see `Orm`, which both drivers (and their transactions) satisfy.
 */
export type Orm = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A single connection for work that must share a session (advisory locks, DDL scripts). */
export interface Session {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Several statements in one round trip (simple protocol); no parameters. */
  exec(text: string): Promise<void>;
}

export interface Database {
  readonly kind: "pg" | "pglite";
  readonly orm: Orm;
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
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
  return {
    kind: "pg",
    orm,
    async withSession(fn) {
      const client = await pool.connect();
      try {
        return await fn({
          query: async <R>(text: string, params?: unknown[]) => ({ rows: (await client.query(text, params)).rows as R[] }),
          exec: async (text) => {
            await client.query(text);
          },
        });
      } finally {
        client.release();
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
      } else if (config && typeof config === "object" && typeof (config as { text?: unknown }).text === "string" && !(config as { name?: string }).name) {
        const name = statementName((config as { text: string }).text);
        if (name) config = { ...config, name };
      }
    }
    return query(config, values, callback);
  };
  (client as unknown as { query: QueryFn }).query = named;
}

async function openPglite(dir: string | undefined): Promise<Database> {
  const client = new PGlite(dir);
  await client.waitReady;
  const orm = drizzlePglite(client, { schema }) as unknown as Orm;
  const session: Session = {
    query: async <R>(text: string, params?: unknown[]) => ({ rows: (await client.query(text, params)).rows as R[] }),
    exec: async (text) => {
      await client.exec(text);
    },
  };
  return {
    kind: "pglite",
    orm,
    // PGlite is a single session already; its own lock serialises callers.
    withSession: (fn) => fn(session),
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
