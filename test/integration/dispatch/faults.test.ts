/**
 * The fault drill's core (`npm run drill` runs every fault on 20K messages): two dispatcher
 * replicas, campaigns on SMPP and Telegram, singles on every channel, receipts and inbound
 * flowing, while a dispatcher app and a dispatcher sidecar are killed with SIGKILL, placement is
 * killed, RabbitMQ's app is stopped and started, PostgreSQL restarts and the SMSC drops its bind.
 * The inbound side is asserted too: every inbound message stored, nothing a receiver accepted lost.
 */

import { describe, expect, it } from "vitest";
import { selectFaults } from "../../../scripts/drill/faults.js";
import { formatInbound, formatTable, inboundViolations, violations } from "../../../scripts/drill/measure.js";
import { runDrill } from "./drill.js";

describe("dispatch under faults", () => {
  it("loses nothing, duplicates at most the crash window, keeps counters equal to rows and leaves nothing in sending", async () => {
    const report = await runDrill({
      basePort: 26500,
      // 3,200 at 600/min: the campaigns send through the last fault now that the replica kills wait
      // out the 40 s stuck threshold (at 1,800 they had finished before the PostgreSQL restart).
      size: { campaignRecipients: 3_200, campaignRatePerMinute: 600, singlesPerChannel: 40, singlesPerSecond: 2 },
      faults: selectFaults("core"),
      settleMs: 150_000,
      log: (line) => console.log(line),
    });
    console.log(
      `${formatTable([...report.results, report.total])}\n${formatInbound(report.inbound)}\n${report.notes.join("\n")}`,
    );
    for (const r of [...report.results, report.total])
      expect({ fault: r.fault, broken: violations(r) }).toEqual({
        fault: r.fault,
        broken: [],
      });
    // The inbound promise: every inbound message the simulator sent is stored, and nothing a
    // receiver accepted (2xx, deliver_sm_resp 0) is lost. Accepted deliveries a consumer left
    // behind by the RabbitMQ restart are held until the broker's consumer timeout gives them back;
    // the drill waits that out before it counts (drill.ts, inboundSide).
    expect(inboundViolations(report.inbound)).toEqual([]);
    // Every fault was followed by sends at the pre-fault rate again.
    expect(report.results.filter((r) => r.recoveryS === undefined).map((r) => r.fault)).toEqual([]);
  }, 720_000);
});
