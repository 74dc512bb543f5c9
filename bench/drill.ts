/**
 * `npm run drill`: the fault drill on 20K messages (test/integration/dispatch/drill.ts), one
 * fault after another, printing one table. Options: `--faults core|all|a,b` (keys in
 * scripts/drill/faults.ts), `--scale N` to shrink the workload (0.25 = 5K messages). Exits 1 when
 * a fault breaks a promise (a loss, duplicates over the crash window or with no requeue of their
 * message, counters off, a stuck row) or the inbound side does (an inbound message not stored, a
 * redelivered receipt not applied).
 * Run it under the integration lock: it restarts RabbitMQ and PostgreSQL.
 */

import { parseArgs } from "node:util";
import { selectFaults } from "../scripts/drill/faults.js";
import { formatInbound, formatTable, inboundViolations, violations } from "../scripts/drill/measure.js";
import { runDrill } from "../test/integration/dispatch/drill.js";
import { FULL_WORKLOAD } from "../test/integration/dispatch/drill-workload.js";

const { values } = parseArgs({
  options: { faults: { type: "string" }, scale: { type: "string", default: "1" } },
});
const scale = Number(values.scale);
if (!(scale > 0 && scale <= 1)) throw new Error("--scale: a number in (0, 1]");

const size = {
  ...FULL_WORKLOAD,
  campaignRecipients: Math.round(FULL_WORKLOAD.campaignRecipients * scale),
  singlesPerChannel: Math.round(FULL_WORKLOAD.singlesPerChannel * scale),
  // The same duration at any scale: the faults need traffic all along.
  campaignRatePerMinute: Math.max(60, Math.round(FULL_WORKLOAD.campaignRatePerMinute * scale)),
  singlesPerSecond: Math.max(1, FULL_WORKLOAD.singlesPerSecond * scale),
};
const report = await runDrill({
  basePort: 27600,
  size,
  faults: selectFaults(values.faults),
  settleMs: 180_000,
  log: (line) => console.log(`[drill] ${line}`),
});
const rows = [...report.results, report.total];
console.log(`\n${formatTable(rows)}\n\n${formatInbound(report.inbound)}\n`);
for (const n of report.notes) console.log(n);
console.log(`${report.messages} messages, drill took ${report.seconds} s`);
const broken = [
  ...rows.flatMap((r) => violations(r).map((v) => `${r.fault}: ${v}`)),
  ...inboundViolations(report.inbound),
];
for (const b of broken) console.log(`BROKEN ${b}`);
process.exit(broken.length > 0 ? 1 : 0);
