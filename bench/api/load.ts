import { randomUUID } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "../../db/client.js";
import { runMigrations } from "../../db/migrate.js";
import { maintainPartitions, monthStart, partitionName } from "../../db/partitions.js";
import { SecretBox } from "../../db/secret-box.js";
import { createChannel } from "../../db/channels/repository.js";

/**
 * Loads the benchmark data set: `rows` messages spread evenly over the last `months` monthly
 * partitions, for `accounts` accounts with `channelsPerAccount` SMS channels each. Each month
 * is written into a plain table without indexes (INSERT … SELECT generate_series), then
 * attached as the month's partition, so PostgreSQL builds each index once in bulk instead of
 * row by row. Months load on parallel connections. Bounded: it stops when the rows are in.
 */
export interface LoadSpec {
  url: string;
  rows: number;
  months: number;
  accounts: number;
  channelsPerAccount: number;
  now: Date;
  parallel: number;
  log: (s: string) => void;
}

export interface Dataset {
  accounts: string[];
  channels: string[][];
}

/** Bumped whenever the generated data changes, so an older data set is reloaded. */
const DATASET_VERSION = 2;

const BOX = SecretBox.fromKeyRing(`bench:${Buffer.alloc(32, 7).toString("base64")}`);

async function seedChannels(db: Database, spec: LoadSpec): Promise<Dataset> {
  const accounts = Array.from({ length: spec.accounts }, () => randomUUID());
  const channels: string[][] = [];
  for (const accountId of accounts) {
    const mine: string[] = [];
    for (let c = 0; c < spec.channelsPerAccount; c++) {
      const row = await createChannel(
        db.orm,
        BOX,
        {
          accountId,
          name: `sms-${c}`,
          channelType: "sms",
          provider: "twilio",
          credentials: {
            account_sid: `AC${"0".repeat(32)}`,
            auth_token: "bench-token-0123456789",
            from: "+15005550006",
          },
          rateLimit: 6000,
        },
        spec.now,
      );
      mine.push(row.id);
    }
    channels.push(mine);
  }
  return { accounts, channels };
}

/** Rows per month differ by at most one; the newest month also carries a few queued rows. */
function monthSql(
  table: string,
  from: Date,
  to: Date,
  n: number,
  seed: number,
  newest: boolean,
  accountsArr: string,
  channelsArr: string,
  perAccount: number,
): string {
  const spanMs = to.getTime() - from.getTime() - 1;
  // Statuses come from the row's hash, not from g, so they do not correlate with the account
  // or channel (both derived from g): every account has every status.
  const queued = newest ? "WHEN ('x' || substr(h, 24, 4))::bit(16)::int % 1000 = 0 THEN 'queued'" : "";
  return `
    INSERT INTO ${table} (id, created_at, updated_at, account_id, channel_id, channel_type, direction, status, priority,
                          delivery_address, message_body, metadata, encoding, segments, provider_message_id, attempts,
                          sent_at, delivered_at, error_code, trace_id)
    SELECT (lpad(to_hex(ms), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
           ts, ts, acct, chan, 'sms', 'outbound', st, 0,
           '+2519' || lpad((g % 10000000)::text, 8, '0'),
           'Hello customer ' || g || ', your order is on its way.',
           '{}'::jsonb, 'gsm7', 1,
           CASE WHEN st IN ('sent', 'delivered', 'read') THEN 'SM' || substr(h, 1, 32) END,
           CASE WHEN st = 'queued' THEN 0 ELSE 1 END,
           CASE WHEN st IN ('sent', 'delivered', 'read') THEN ts + interval '1 second' END,
           CASE WHEN st IN ('delivered', 'read') THEN ts + interval '5 seconds' END,
           CASE WHEN st = 'failed' THEN '30007' END,
           substr(h, 1, 32)
      FROM (
        SELECT g,
               ts,
               (extract(epoch FROM ts) * 1000)::bigint AS ms,
               h,
               (${accountsArr})[1 + (g % ${"${A}"})] AS acct,
               (${channelsArr})[1 + (g % ${"${A}"}) * ${perAccount} + ((g / ${"${A}"}) % ${perAccount})] AS chan,
               CASE ${queued}
                    WHEN ('x' || substr(h, 20, 4))::bit(16)::int % 20 = 1 THEN 'failed'
                    WHEN ('x' || substr(h, 20, 4))::bit(16)::int % 20 IN (2, 3, 4) THEN 'sent'
                    WHEN ('x' || substr(h, 20, 4))::bit(16)::int % 20 = 5 THEN 'read'
                    ELSE 'delivered' END AS st
          FROM (SELECT g, md5(g::text || '-${seed}') AS h FROM generate_series(1, ${n}) AS g) gh,
               LATERAL (SELECT '${from.toISOString()}'::timestamptz + ((g::float8 / ${n}) * ${spanMs}) * interval '1 millisecond' AS ts) t
      ) s`;
}

export async function ensureLoaded(spec: LoadSpec): Promise<Dataset & { loaded: boolean; seconds: number }> {
  const db = await openDatabase({ url: spec.url, poolMax: spec.parallel + 2 });
  const started = performance.now();
  try {
    await runMigrations(db);
    // The existing data set is reused when it is complete.
    const existing = await db.withSession((s) =>
      s.query<{ n: string }>(
        "SELECT coalesce(sum(c.reltuples), 0)::bigint AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'messages'::regclass",
      ),
    );
    const accounts = await db.withSession((s) =>
      s.query<{ account_id: string; ids: string[] }>(
        "SELECT account_id, array_agg(id ORDER BY name) AS ids FROM channels GROUP BY account_id ORDER BY account_id",
      ),
    );
    const version = await db.withSession(async (s) => {
      await s.exec("CREATE TABLE IF NOT EXISTS bench_info (version integer NOT NULL)");
      return (
        (await s.query<{ version: number }>("SELECT max(version) AS version FROM bench_info")).rows[0]?.version ?? 0
      );
    });
    const reuse = !process.env.BENCH_RELOAD && version === DATASET_VERSION;
    if (reuse && Number(existing.rows[0]!.n) >= spec.rows * 0.98 && accounts.rows.length === spec.accounts) {
      spec.log(`reusing loaded data set (~${Number(existing.rows[0]!.n).toLocaleString()} rows)`);
      return {
        accounts: accounts.rows.map((r) => r.account_id),
        channels: accounts.rows.map((r) => r.ids),
        loaded: false,
        seconds: 0,
      };
    }
    spec.log("loading data set from scratch");
    await db.withSession((s) =>
      s.exec("TRUNCATE messages, message_events, channels, api_keys, idempotency_keys, api_rate_limits CASCADE"),
    );
    const data = await seedChannels(db, spec);
    const accountsArr = `ARRAY[${data.accounts.map((a) => `'${a}'::uuid`).join(",")}]`;
    const channelsArr = `ARRAY[${data.channels
      .flat()
      .map((c) => `'${c}'::uuid`)
      .join(",")}]`;
    const first = monthStart(spec.now, -(spec.months - 1));
    await maintainPartitions(db, { now: first, monthsAhead: spec.months + 3, retentionMonths: spec.months + 12 });

    const months = Array.from({ length: spec.months }, (_, i) => monthStart(first, i));
    const perMonth = Math.floor(spec.rows / spec.months);
    let next = 0;
    const worker = async () => {
      const client = new pg.Client({ connectionString: spec.url });
      await client.connect();
      try {
        await client.query(
          "SET maintenance_work_mem = '512MB'; SET synchronous_commit = off; SET statement_timeout = 0",
        );
        while (next < months.length) {
          const i = next++;
          const from = months[i]!;
          const to = monthStart(from, 1);
          const name = partitionName("messages", from);
          const n = perMonth + (i < spec.rows % spec.months ? 1 : 0);
          const t0 = performance.now();
          const staging = `${name}_load`;
          await client.query(
            `DROP TABLE IF EXISTS ${staging}; CREATE TABLE ${staging} (LIKE messages INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
          );
          const sql = monthSql(
            staging,
            from,
            to,
            n,
            i,
            i === months.length - 1,
            accountsArr,
            channelsArr,
            spec.channelsPerAccount,
          ).replaceAll("${A}", String(spec.accounts));
          await client.query(sql);
          // A CHECK matching the bounds lets ATTACH skip its validation scan.
          await client.query(
            `ALTER TABLE ${staging} ADD CONSTRAINT ${staging}_bounds CHECK (created_at >= '${from.toISOString()}' AND created_at < '${to.toISOString()}')`,
          );
          await client.query(
            `BEGIN; DROP TABLE IF EXISTS ${name}; ALTER TABLE messages ATTACH PARTITION ${staging} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}'); ALTER TABLE ${staging} RENAME TO ${name}; ALTER TABLE ${name} DROP CONSTRAINT ${staging}_bounds; COMMIT`,
          );
          // As autovacuum would in steady state: visibility map set, so counts run index-only.
          await client.query(`VACUUM (ANALYZE) ${name}`);
          spec.log(`  ${name}: ${n.toLocaleString()} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        }
      } finally {
        await client.end();
      }
    };
    await Promise.all(Array.from({ length: spec.parallel }, worker));
    await db.withSession((s) =>
      s.exec(
        `ANALYZE channels; ANALYZE messages; DELETE FROM bench_info; INSERT INTO bench_info VALUES (${DATASET_VERSION})`,
      ),
    );
    return { ...data, loaded: true, seconds: (performance.now() - started) / 1000 };
  } finally {
    await db.close();
  }
}

/** Creates the benchmark database when it does not exist yet. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
