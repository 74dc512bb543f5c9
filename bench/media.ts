/**
 * Media store benchmark: 1 MB objects uploaded through `POST /v1/media` and read back through
 * `GET /v1/media/{id}` on a real stack, so each byte crosses the API, its sidecar's `mediastore`
 * binding and the store (SeaweedFS's S3 API on the production set, a folder on the embedded one).
 * Prints MB/s and per-request p50/p95 for each direction, with `BENCH_MEDIA_CONCURRENCY` requests
 * in flight.
 *
 *   node --import tsx bench/media.ts                 (BENCH_MEDIA=200, BENCH_MEDIA_CONCURRENCY=4)
 *   BENCH_MEDIA_SET=embedded node --import tsx bench/media.ts
 *
 * The production set needs scripts/infra.sh (it starts the S3 server). Loopback only.
 */

import { createHash, randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../scripts/launcher/stack.js";
import { startTestStack } from "../test/integration/support/stack.js";
import { drive, percentile, printTable } from "./lib.js";

const N = Number(process.env.BENCH_MEDIA ?? 200);
const CONCURRENCY = Number(process.env.BENCH_MEDIA_CONCURRENCY ?? 4);
const SET = (process.env.BENCH_MEDIA_SET ?? "production") as "production" | "embedded";
const BASE_PORT = Number(process.env.BENCH_BASE_PORT ?? 28_400);
const MB = 1024 * 1024;

const object = (i: number) => {
  const b = Buffer.alloc(MB);
  b.writeUInt32BE(i, 4096);
  Buffer.from("89504e470d0a1a0a0000000d49484452", "hex").copy(b);
  return b;
};

if (SET === "production") execFileSync("bash", [join(REPO_ROOT, "scripts/infra.sh"), "s3"], { stdio: "inherit" });
const t = await startTestStack({
  set: SET,
  media: SET === "production" ? "s3" : "local",
  basePort: BASE_PORT,
  appEnv: { API_RATE_LIMIT: "0", LOG_LEVEL: "warn" },
});
try {
  const r = await t.ops("/internal/api-keys", { method: "POST", body: { accountId: randomUUID() } });
  const key = (r.body as { key: string }).key;
  const url = (p: string) => t.stack.url(t.apiApp, p);
  const ids: string[] = [];
  const sums: string[] = [];

  const timed = async (items: number, one: (i: number) => Promise<void>) => {
    const { ms, latencies, errors } = await drive(items, CONCURRENCY, one);
    if (errors > 0) throw new Error(`${errors} of ${items} requests failed`);
    return { mbps: items / (ms / 1000), p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
  };

  const up = await timed(N, async (i) => {
    const bytes = object(i);
    const res = await fetch(url("/v1/media"), { method: "POST", headers: { "x-api-key": key }, body: bytes });
    const body = (await res.json()) as { id: string; sha256: string };
    if (res.status !== 201) throw new Error(`upload ${res.status} ${JSON.stringify(body)}`);
    ids[i] = body.id;
    sums[i] = createHash("sha256").update(bytes).digest("hex");
  });
  const down = await timed(N, async (i) => {
    const res = await fetch(url(`/v1/media/${ids[i]!}`), { headers: { "x-api-key": key } });
    const got = createHash("sha256")
      .update(Buffer.from(await res.arrayBuffer()))
      .digest("hex");
    if (got !== sums[i]) throw new Error(`object ${i} came back different`);
  });
  printTable(`media store, ${SET} set, ${N} × 1 MB, ${CONCURRENCY} in flight`, [
    { direction: "upload", "MB/s": up.mbps.toFixed(1), "p50 ms": up.p50.toFixed(1), "p95 ms": up.p95.toFixed(1) },
    { direction: "serve", "MB/s": down.mbps.toFixed(1), "p50 ms": down.p50.toFixed(1), "p95 ms": down.p95.toFixed(1) },
  ]);
} finally {
  await t.stop();
}
