/**
 * Loads (or verifies) the benchmark data set without running the load test:
 *   node --import tsx bench/api/load-only.ts
 */
import { ensureDatabase, ensureLoaded } from "./load.js";

const url = await ensureDatabase(
  process.env.BENCH_ADMIN_URL ?? "postgres://turumba:turumba@127.0.0.1:5432/turumba",
  process.env.BENCH_DB ?? "turumba_bench",
);
const r = await ensureLoaded({
  url,
  rows: Number(process.env.BENCH_ROWS ?? 10_000_000),
  months: 12,
  accounts: 100,
  channelsPerAccount: 10,
  now: new Date(),
  parallel: 2,
  log: (s) => process.stdout.write(`${s}\n`),
});
process.stdout.write(r.loaded ? `loaded in ${r.seconds.toFixed(0)} s\n` : "already loaded\n");
