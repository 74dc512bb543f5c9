/**
 * Monthly partitions of the big tables. The routine:
 *  - creates the current month and `monthsAhead` months after it, so inserts never fall into
 *    the default partition in normal operation;
 *  - moves rows that did fall into the default partition (clock skew, back-dated imports, a
 *    maintenance run missed) into their month's partition, created for the purpose;
 *  - detaches months that ended before the retention cut-off. Detached tables are left in place
 *    for export to cold storage (or dropped when `dropDetached` is set).
 * Partition bounds are UTC month starts; names are `<table>_YYYY_MM`.
 */

import type { Database, Session } from "./client.js";

export const PARTITIONED_TABLES = ["messages", "message_events"] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

export interface PartitionMaintenanceOptions {
  now: Date;
  monthsAhead?: number;
  /** Months kept attached, counting back from the current month's start. */
  retentionMonths?: number;
  dropDetached?: boolean;
  tables?: readonly PartitionedTable[];
}

export interface PartitionReport {
  created: string[];
  /** Rows moved out of a default partition, per created partition. */
  moved: Record<string, number>;
  detached: string[];
  dropped: string[];
}

const LOCK_KEY = "32780231755260528"; // distinct from the migration lock

export function monthStart(d: Date, addMonths = 0): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + addMonths, 1));
}

export function partitionName(table: PartitionedTable, month: Date): string {
  return `${table}_${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, "0")}`;
}

const NAME = /^(messages|message_events)_(\d{4})_(\d{2})$/;

/** Month of a partition from its name, or undefined for the default partition and strangers. */
export function partitionMonth(name: string): Date | undefined {
  const m = NAME.exec(name);
  return m ? new Date(Date.UTC(Number(m[2]), Number(m[3]) - 1, 1)) : undefined;
}

/** A timestamp literal for DDL (partition bounds cannot be bound parameters). Built from a Date, never from input. */
const lit = (d: Date) => `'${d.toISOString()}'`;

export async function listPartitions(s: Session, table: PartitionedTable): Promise<string[]> {
  const { rows } = await s.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = $1 ORDER BY c.relname`,
    [table],
  );
  return rows.map((r) => r.name);
}

export async function maintainPartitions(db: Database, opts: PartitionMaintenanceOptions): Promise<PartitionReport> {
  const report: PartitionReport = { created: [], moved: {}, detached: [], dropped: [] };
  await db.withSession(async (s) => {
    if (db.kind === "pg") await s.exec("SET statement_timeout = 0");
    await s.query(`SELECT pg_advisory_lock(${LOCK_KEY})`);
    try {
      for (const table of opts.tables ?? PARTITIONED_TABLES) await maintainTable(db, s, table, opts, report);
    } finally {
      await s.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`);
    }
  });
  return report;
}

async function maintainTable(
  db: Database,
  s: Session,
  table: PartitionedTable,
  opts: PartitionMaintenanceOptions,
  report: PartitionReport,
): Promise<void> {
  const ahead = opts.monthsAhead ?? 3;
  const retention = opts.retentionMonths ?? 12;
  const cutoff = monthStart(opts.now, -retention);
  const existing = new Set(await listPartitions(s, table));

  const wanted = new Map<string, Date>();
  for (let i = 0; i <= ahead; i++) {
    const month = monthStart(opts.now, i);
    wanted.set(partitionName(table, month), month);
  }
  // Months that have rows stranded in the default partition, still inside retention.
  const stranded = await s.query<{ month: string }>(
    `SELECT DISTINCT to_char(date_trunc('month', created_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month FROM ${table}_default`,
  );
  for (const { month } of stranded.rows) {
    const [y, m] = month.split("-").map(Number) as [number, number];
    const start = new Date(Date.UTC(y, m - 1, 1));
    if (start >= cutoff) wanted.set(partitionName(table, start), start);
  }

  for (const [name, month] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
    if (existing.has(name)) continue;
    const moved = await createPartition(db, table, name, month);
    report.created.push(name);
    if (moved > 0) report.moved[name] = moved;
  }

  for (const name of existing) {
    const month = partitionMonth(name);
    if (!month || monthStart(month, 1) > cutoff) continue;
    await s.exec(`ALTER TABLE ${table} DETACH PARTITION ${name}`);
    report.detached.push(name);
    if (opts.dropDetached) {
      await s.exec(`DROP TABLE ${name}`);
      report.dropped.push(name);
    }
  }
}

/**
 * One transaction (Database.transaction, so on PGlite other callers wait instead of running
 * inside it); on pg its own connection, free of the statement timeout like the maintenance
 * session, since moving a month out of the default partition can take long.
 */
async function createPartition(db: Database, table: PartitionedTable, name: string, month: Date): Promise<number> {
  const from = lit(month);
  const to = lit(monthStart(month, 1));
  const range = `created_at >= ${from} AND created_at < ${to}`;
  return db.transaction(async (s) => {
    if (db.kind === "pg") await s.exec("SET LOCAL statement_timeout = 0");
    // Lock the default partition first: rows for this month must not arrive there between the
    // move and the attach, and ATTACH would take this lock anyway.
    await s.exec(`LOCK TABLE ${table}_default IN ACCESS EXCLUSIVE MODE`);
    const { rows } = await s.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}_default WHERE ${range}`);
    const stranded = rows[0]?.n ?? 0;
    if (stranded === 0) {
      await s.exec(`CREATE TABLE ${name} PARTITION OF ${table} FOR VALUES FROM (${from}) TO (${to})`);
    } else {
      await s.exec(`CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      await s.exec(
        `WITH moved AS (DELETE FROM ${table}_default WHERE ${range} RETURNING *) INSERT INTO ${name} SELECT * FROM moved`,
      );
      await s.exec(`ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM (${from}) TO (${to})`);
    }
    return stranded;
  });
}
