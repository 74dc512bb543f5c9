import { describe, expect, it } from "vitest";
import { FAULT_KEYS, selectFaults } from "./faults.js";
import {
  accountDuplicates,
  addressKey,
  countersMatchRows,
  duplicateSends,
  duplicatesBetween,
  accountMissing,
  formatInbound,
  formatTable,
  inboundViolations,
  lostMessages,
  rateBefore,
  recoverySeconds,
  replacement,
  violations,
  type FaultResult,
} from "./measure.js";

/** Sends every `stepMs` from `from` (inclusive) to `to` (exclusive). */
const every = (stepMs: number, from: number, to: number) =>
  Array.from({ length: Math.ceil((to - from) / stepMs) }, (_, i) => from + i * stepMs);

describe("recovery time", () => {
  const fault = 100_000;

  it("is the first send of the first 2 s window back at 70 % of the pre-fault rate", () => {
    // 10/s before, nothing for 4 s, then 10/s again.
    const times = [...every(100, fault - 10_000, fault), ...every(100, fault + 4_000, fault + 20_000)];
    expect(rateBefore(times, fault)).toBe(10);
    expect(recoverySeconds(times, fault, fault + 20_000)).toBe(4);
  });

  it("takes its baseline before a slowdown that preceded the fault", () => {
    // 10/s, then 2/s for the 2 s before the fault (a slow provider), nothing for 3 s, 10/s again.
    const times = [
      ...every(100, fault - 10_000, fault - 2_000),
      ...every(500, fault - 2_000, fault),
      ...every(100, fault + 3_000, fault + 10_000),
    ];
    expect(recoverySeconds(times, fault, fault + 10_000, fault - 2_000)).toBe(3);
  });

  it("is 0 when the fault never slowed sends", () => {
    const times = every(100, fault - 10_000, fault + 10_000);
    expect(recoverySeconds(times, fault, fault + 10_000)).toBe(0);
  });

  it("waits out a trickle below the rate", () => {
    // One send a second for 5 s after the fault (under 70 % of 10/s), then full rate at +5 s.
    const times = [
      ...every(100, fault - 10_000, fault),
      ...every(1_000, fault, fault + 5_000),
      ...every(100, fault + 5_000, fault + 15_000),
    ];
    expect(recoverySeconds(times, fault, fault + 15_000)).toBe(5);
  });

  it("is undefined when nothing flowed before, or the rate never came back before the end", () => {
    expect(recoverySeconds(every(100, fault, fault + 5_000), fault, fault + 5_000)).toBeUndefined();
    const times = [...every(100, fault - 5_000, fault), ...every(500, fault, fault + 10_000)];
    expect(recoverySeconds(times, fault, fault + 10_000)).toBeUndefined();
  });
});

describe("re-placement after a replica kill", () => {
  const fault = 50_000;

  it("is the longest wait of a flowing channel that stalled at the fault; channels that kept going do not count", () => {
    const perChannel = new Map([
      ["survivor", every(100, fault - 5_000, fault + 10_000)],
      ["moved", [...every(100, fault - 5_000, fault), ...every(100, fault + 3_500, fault + 10_000)]],
      ["moved-sooner", [...every(200, fault - 5_000, fault), ...every(200, fault + 2_000, fault + 10_000)]],
      // One send every 2 s before the fault: too slow to tell a stall from its own pace.
      ["trickle", [...every(2_000, fault - 5_000, fault), fault + 9_000]],
    ]);
    expect(replacement(perChannel, fault)).toEqual({ stalled: 2, seconds: 3.5 });
  });

  it("says when no flowing actor was on the killed replica, and when a stalled one never came back", () => {
    expect(replacement(new Map([["a", every(100, fault - 5_000, fault + 5_000)]]), fault)).toEqual({
      stalled: 0,
      seconds: 0,
    });
    expect(replacement(new Map([["gone", every(100, fault - 5_000, fault)]]), fault)).toEqual({
      stalled: 1,
      seconds: undefined,
    });
  });
});

describe("duplicates and losses", () => {
  it("counts every send beyond the first per addressee, overall and between two snapshots", () => {
    expect(duplicateSends({ a: 1, b: 2, c: 3 })).toBe(3);
    expect(duplicatesBetween({ a: 1, b: 2 }, { a: 2, b: 3, c: 1, d: 2 })).toBe(3);
    expect(duplicatesBetween({ a: 1 }, { a: 1 })).toBe(0);
  });

  it("calls lost what is still queued or sending, or has no row, and nothing that settled", () => {
    const status = new Map([
      ["q", "queued"],
      ["s", "sending"],
      ["ok", "sent"],
      ["d", "delivered"],
      ["f", "failed"],
      ["x", "skipped"],
      ["c", "cancelled"],
      ["r", "read"],
    ]);
    expect(lostMessages(["q", "s", "ok", "d", "f", "x", "c", "r", "missing"], status)).toEqual(["q", "s", "missing"]);
  });
});

describe("duplicates accounted per message", () => {
  const windows = [
    { fault: "kill", from: 1_000, to: 2_000 },
    { fault: "smsc", from: 2_000, to: 3_000 },
  ];

  it("charges each duplicate to the fault whose window requeued its message, not to when it was resent", () => {
    // Requeued during the kill, resent while the SMSC dropped its bind: the kill's duplicate.
    const account = accountDuplicates(
      new Map([["smpp", { "251911000001": 2, "251911000002": 1 }]]),
      [
        { provider: "smpp", address: "+251911000001", requeuedAt: [1_500] },
        { provider: "smpp", address: "+251911000002", requeuedAt: [1_600, 2_500] },
      ],
      windows,
    );
    expect(account).toEqual({
      total: 1,
      unjustified: 0,
      byFault: new Map([
        ["kill", 1],
        ["smsc", 0],
      ]),
      crashWindows: new Map([
        ["kill", 2],
        ["smsc", 1],
      ]),
    });
  });

  it("calls unjustified the deliveries beyond one plus the message's requeues, and those of an addressee with no row", () => {
    const account = accountDuplicates(
      new Map<string, Record<string, number>>([
        ["telegram", { "800001": 4, "800002": 2 }],
        ["smpp", { "800001": 2 }],
      ]),
      [
        { provider: "telegram", address: "800001", requeuedAt: [2_900, 1_100] },
        // The same address on another provider is another message.
        { provider: "twilio", address: "800001", requeuedAt: [1_200] },
      ],
      windows,
    );
    expect(account.total).toBe(3 + 1 + 1);
    expect(account.unjustified).toBe(1 + 1 + 1);
    expect(account.byFault).toEqual(
      new Map([
        ["kill", 1],
        ["smsc", 1],
      ]),
    );
  });

  it("charges the earliest requeues and leaves out those outside every fault window", () => {
    const account = accountDuplicates(
      new Map([["vonage", { "447700900001": 2 }]]),
      [{ provider: "vonage", address: "+447700900001", requeuedAt: [2_200, 500] }],
      windows,
    );
    expect(account).toMatchObject({ total: 1, unjustified: 0 });
    expect([...account.byFault.values()]).toEqual([0, 0]);
    expect(account.crashWindows.get("smsc")).toBe(1);
  });

  it("keys addressees without the plus a provider drops and without case", () => {
    expect(addressKey("+251911000001")).toBe("251911000001");
    expect(addressKey("User1@Example.test")).toBe("user1@example.test");
  });
});

describe("the inbound side", () => {
  const calm = { sent: 400, stored: 400, retried: 57, givenUp: 0, unreceipted: { smpp: 0, vonage: 0, twilio: 0 } };

  it("holds when every inbound message was stored and every redelivered receipt applied", () => {
    expect(inboundViolations(calm)).toEqual([]);
    expect(formatInbound(calm).split("\n")[2]).toBe("| 400 | 400 | none | 57 | 0 | smpp 0, vonage 0, twilio 0 |");
  });

  const delivery = (
    id: string,
    answers: ("accepted" | "refused" | "no_answer")[],
    outcome: "accepted" | "retrying" | "given_up",
    kind: "inbound" | "receipt" = "inbound",
  ) => ({ provider: "vonage", kind, id, attempts: answers.map((answer) => ({ answer })), outcome });

  it("accounts each missing id by its deliveries: accepted (our loss), given up, still retrying or never sent", () => {
    const deliveries = [
      delivery("a", ["no_answer", "accepted"], "accepted"),
      delivery("b", ["refused", "refused"], "given_up"),
      delivery("c", ["refused"], "retrying"),
      delivery("d", ["accepted"], "accepted"),
      // A receipt's two webhooks (sent, then delivered): one accepted is enough to make it ours.
      delivery("e", ["refused"], "given_up", "receipt"),
      delivery("e", ["accepted"], "accepted", "receipt"),
    ];
    expect(accountMissing(["a", "b", "c", "e", "z"], deliveries)).toEqual({
      accepted: ["a", "e"],
      givenUp: ["b"],
      retrying: ["c"],
      untracked: ["z"],
    });
    expect(accountMissing([], deliveries)).toEqual({ accepted: [], givenUp: [], retrying: [], untracked: [] });
  });

  it("breaks on what the receiver accepted and lost, even for a provider that never redelivers", () => {
    const none = { accepted: [], givenUp: [], retrying: [], untracked: [] };
    const r = {
      ...calm,
      stored: 398,
      unreceipted: { smpp: 0, vonage: 0, twilio: 3 },
      missingInbound: { ...none, accepted: ["x"], givenUp: ["y"] },
      missingReceipts: { twilio: { ...none, accepted: ["t1"], givenUp: ["t2", "t3"] } },
    };
    expect(inboundViolations(r)).toEqual([
      "inbound: 400 sent, 398 stored",
      "inbound: 1 accepted by the receiver and not stored",
      "twilio: 1 receipts accepted by the receiver and not applied",
    ]);
    expect(formatInbound(r).split("\n")[2]).toBe(
      "| 400 | 398 | 1 accepted, 1 given up | 57 | 0 | smpp 0, vonage 0, twilio 3 (1 accepted, 2 given up) |",
    );
  });

  it("breaks on inbound lost or stored twice and on receipts not applied, except a provider that never redelivers", () => {
    expect(inboundViolations({ ...calm, stored: 358, unreceipted: { smpp: 0, vonage: 3, twilio: 2 } })).toEqual([
      "inbound: 400 sent, 358 stored",
      "vonage: 3 receipts not applied",
    ]);
    expect(inboundViolations({ ...calm, stored: 401 })).toEqual(["inbound: 400 sent, 401 stored"]);
  });
});

describe("campaign counters against rows", () => {
  const counters = { queued: 1, sent: 6, delivered: 3, read: 1, failed: 2, skipped: 1, cancelled: 0 };
  const rows = { queued: 1, sent: 2, delivered: 2, read: 1, failed: 2, skipped: 1 };

  it("match when sent counts sent, delivered, read and failed-after-sent rows", () => {
    expect(countersMatchRows({ counters, rows, failedAfterSent: 1 })).toBe(true);
  });

  it("differ when a row is missing from a counter", () => {
    expect(countersMatchRows({ counters, rows, failedAfterSent: 0 })).toBe(false);
    expect(countersMatchRows({ counters, rows: { ...rows, sending: 1 }, failedAfterSent: 1 })).toBe(false);
  });
});

describe("the table and its verdict", () => {
  const ok: FaultResult = {
    fault: "dispatcher SIGKILL",
    recoveryS: 3.25,
    lost: 0,
    duplicates: 2,
    crashWindow: 5,
    countersOk: true,
    stuckSending: 0,
    replacement: { stalled: 1, seconds: 4 },
  };

  it("prints one Markdown row per fault with the columns the drill promises", () => {
    const table = formatTable([
      ok,
      { ...ok, fault: "placement SIGKILL", recoveryS: undefined, replacement: undefined },
    ]);
    const lines = table.split("\n");
    expect(lines[0]).toMatch(
      /^\| fault +\| recovery s \| lost \| duplicates \/ crash window \| unjustified \| counters ok \| stuck sending \| re-placement s \|$/,
    );
    expect(lines[2]).toMatch(
      /^\| dispatcher SIGKILL +\| 3\.3 +\| 0 +\| 2 \/ 5 +\| +\| yes +\| 0 +\| 4\.0 \(1 ch\) +\|$/,
    );
    expect(formatTable([{ ...ok, unjustified: 0 }]).split("\n")[2]).toMatch(/\| 2 \/ 5 +\| 0 +\| yes /);
    expect(lines[3]).toMatch(/^\| placement SIGKILL +\| — +\|/);
  });

  it("names each broken promise", () => {
    expect(violations(ok)).toEqual([]);
    expect(
      violations({
        ...ok,
        lost: 1,
        duplicates: 6,
        unjustified: 1,
        countersOk: false,
        stuckSending: 2,
        replacement: { stalled: 1, seconds: undefined },
        failure: "sidecar not healthy",
      }),
    ).toEqual([
      "sidecar not healthy",
      "1 lost",
      "6 duplicates > crash window 5",
      "1 duplicates with no requeue of their message",
      "campaign counters differ from rows",
      "2 stuck in sending",
      "a stalled channel never sent again",
    ]);
  });
});

describe("the fault table", () => {
  it("selects all, the core, or named faults in drill order, and refuses unknown names", () => {
    expect(selectFaults(undefined)).toHaveLength(FAULT_KEYS.length);
    expect(selectFaults("core").map((f) => f.key)).toEqual([
      "dispatcher-kill",
      "daprd-kill",
      "placement-kill",
      "rabbitmq-app",
      "postgres-restart",
      "smsc-bind-drop",
    ]);
    expect(selectFaults("smsc-bind-drop, dispatcher-kill").map((f) => f.key)).toEqual([
      "dispatcher-kill",
      "smsc-bind-drop",
    ]);
    expect(() => selectFaults("dispatcher-kill,meteor")).toThrow(/unknown fault meteor/);
  });
});
