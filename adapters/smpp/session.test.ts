import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SendError } from "../../core/dispatch/send-error.js";
import type { InboundMessage, StatusUpdate } from "../../core/messages/vocabulary.js";
import { outboundPolicy } from "../contract/outbound-address.js";
import { captureLogger } from "../testkit/index.js";
import { SmppAdapter } from "./adapter.js";
import { SmppCredentials } from "./credentials.js";
import { SmppSession } from "./session.js";
import { PythonSmsc } from "./testpeer/peer.js";

/**
 * The session against an SMSC written independently in Python (standard library only), so a
 * shared misreading of the protocol between client and server cannot hide a bug.
 */
let smsc: PythonSmsc;
beforeAll(async () => {
  smsc = await PythonSmsc.start();
});
afterAll(async () => {
  await smsc.stop();
});

/** The test SMSC listens on loopback, which only the operator's allow-list opens. */
const LOCAL = { outbound: outboundPolicy("127.0.0.1") };

const creds = (extra: Record<string, unknown> = {}) =>
  SmppCredentials.parse({
    host: "127.0.0.1",
    port: smsc.port,
    system_id: "turumba",
    password: "secret12",
    source_addr: "TURUMBA",
    ...extra,
  });

async function withSession<T>(
  fn: (s: SmppSession, receipts: StatusUpdate[], inbound: InboundMessage[]) => Promise<T>,
  extra: Record<string, unknown> = {},
): Promise<T> {
  const s = new SmppSession(creds(extra), {
    ...LOCAL,
    reconnectBaseMs: 50,
    reconnectMaxMs: 200,
    responseTimeoutMs: 5000,
    queueTimeoutMs: 5000,
  });
  const receipts: StatusUpdate[] = [];
  const inbound: InboundMessage[] = [];
  s.onReceipt((u) => void receipts.push(u));
  s.onInbound((m) => void inbound.push(m));
  await s.start();
  try {
    return await fn(s, receipts, inbound);
  } finally {
    await s.close();
  }
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("SMPP session against an independent SMSC", () => {
  it("binds as transceiver, submits, and matches the delivery receipt", async () => {
    await withSession(async (s, receipts) => {
      expect(s.status).toBe("bound");
      const messageId = randomUUID();
      const result = await s.submit({ messageId, to: "+251911000001", text: "Your code is 4815" });
      expect(result).toMatchObject({ segments: 1, encoding: "gsm7" });
      await until(() => receipts.length === 1);
      expect(receipts[0]).toMatchObject({
        providerMessageId: result.segmentIds[0],
        status: "delivered",
        metadata: { messageId, segment: 1, segments: 1, stat: "DELIVRD" },
      });
      const stats = await smsc.stats();
      expect(stats.messages.at(-1)).toMatchObject({
        to: "251911000001",
        text: "Your code is 4815",
        parts: 1,
        data_coding: 0,
      });
    });
  });

  it("splits a long UCS-2 message with UDH; the SMSC reassembles it exactly; every segment gets its receipt", async () => {
    const text = "ሰላም ጤና ይስጥልኝ! የቀጠሮዎ ቀን ዓርብ ነው 👍 ".repeat(5);
    await withSession(async (s, receipts) => {
      const messageId = randomUUID();
      const result = await s.submit({ messageId, to: "+251911000002", text });
      expect(result.encoding).toBe("ucs2");
      expect(result.segments).toBe(Math.ceil(text.length / 67));
      expect(new Set(result.segmentIds).size).toBe(result.segments);
      const stats = await smsc.stats();
      expect(stats.messages.at(-1)).toEqual({ to: "251911000002", text, parts: result.segments, data_coding: 8 });
      await until(() => receipts.length === result.segments);
      expect(receipts.map((r) => r.metadata.segment).sort()).toEqual(
        Array.from({ length: result.segments }, (_, i) => i + 1),
      );
      expect(receipts.every((r) => r.metadata.messageId === messageId && r.status === "delivered")).toBe(true);
    });
  });

  it("splits a long GSM-7 message with extension characters at 153 septets", async () => {
    const text = "Price list {2024}: [A] 10€ | [B] 20€ ~ ".repeat(9);
    await withSession(async (s) => {
      const result = await s.submit({ messageId: randomUUID(), to: "251911000003", text });
      expect(result.encoding).toBe("gsm7");
      expect(result.segments).toBeGreaterThan(2);
      expect((await smsc.stats()).messages.at(-1)).toMatchObject({ text, parts: result.segments, data_coding: 0 });
    });
  });

  it.each([
    ["ESME_RTHROTTLED → throttled", "999100", "throttled", "provider_throttled", "ESME_RTHROTTLED"],
    ["ESME_RMSGQFUL → throttled", "998100", "throttled", "provider_throttled", "ESME_RMSGQFUL"],
    ["ESME_RINVDSTADR → permanent", "997100", "permanent", "invalid_recipient", "ESME_RINVDSTADR"],
  ] as const)("%s", async (_n, to, kind, code, providerCode) => {
    await withSession(async (s) => {
      const err = await s.submit({ messageId: randomUUID(), to, text: "x" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SendError);
      expect(err).toMatchObject({ kind, code, providerCode });
      // The bind survives a refused submit.
      await expect(s.submit({ messageId: randomUUID(), to: "251911000004", text: "after" })).resolves.toMatchObject({
        segments: 1,
      });
    });
  });

  it.each([
    ["TLVs and text", "251911000010", "delivered", {}],
    ["TLVs only (receipted_message_id, message_state)", "995000010", "delivered", {}],
    [
      "text only, id in zero-padded decimal while submit_sm_resp was hex (the channel says so)",
      "994000010",
      "delivered",
      { receipt_id_radix: "hex_to_dec" },
    ],
    ["text only, id in lower case", "993000010", "delivered", {}],
    ["receipt before submit_sm_resp", "996000010", "delivered", {}],
    ["UNDELIV with err", "992000010", "failed", {}],
  ] as const)("receipt matched: %s", async (_n, to, status, extra) => {
    await withSession(async (s, receipts) => {
      const messageId = randomUUID();
      const result = await s.submit({ messageId, to, text: "receipt test" });
      await until(() => receipts.length === 1);
      expect(receipts[0]).toMatchObject({ providerMessageId: result.segmentIds[0], status, metadata: { messageId } });
      if (status === "failed") expect(receipts[0]).toMatchObject({ errorCode: "UNDELIV:001" });
      expect(s.stats().heldReceipts).toBe(0);
    }, extra);
  });

  it("a decimal receipt id for a hex submit is held, not guessed, when the channel does not say its SMSC changes radix", async () => {
    await withSession(async (s, receipts) => {
      await s.submit({ messageId: randomUUID(), to: "994000011", text: "receipt test" });
      await until(() => s.stats().heldReceipts === 1);
      expect(receipts).toEqual([]);
    });
  });

  it("keeps at most window_size submit_sm outstanding", async () => {
    await withSession(
      async (s) => {
        const before = (await smsc.stats()).submits;
        await Promise.all(
          Array.from({ length: 12 }, (_, i) => s.submit({ messageId: randomUUID(), to: `9910000${i}`, text: `w${i}` })),
        );
        const stats = await smsc.stats();
        expect(stats.submits - before).toBe(12);
        expect(stats.max_outstanding).toBe(3);
      },
      { window_size: 3 },
    );
  });

  it("rebinds after a dropped TCP connection without losing an acknowledged submit", async () => {
    await withSession(async (s, receipts) => {
      const bindsBefore = (await smsc.stats()).binds;
      const states: string[] = [];
      s.onState((st) => states.push(st));
      const messageId = randomUUID();
      // The SMSC acknowledges this submit, then drops the connection before sending its receipt.
      const result = await s.submit({ messageId, to: "990000001", text: "acknowledged, then the line drops" });
      await until(() => s.status === "bound" && states.includes("reconnecting"));
      await until(() => receipts.length === 1);
      expect(receipts[0]).toMatchObject({
        providerMessageId: result.segmentIds[0],
        status: "delivered",
        metadata: { messageId },
      });
      expect((await smsc.stats()).binds).toBe(bindsBefore + 1);
      expect(s.stats().drops).toBe(1);
      await expect(
        s.submit({ messageId: randomUUID(), to: "251911000005", text: "after rebind" }),
      ).resolves.toMatchObject({ segments: 1 });
    });
  });

  it("a submit issued while the link is down waits for the rebind and goes out", async () => {
    await withSession(async (s) => {
      await smsc.drop();
      await until(() => s.status !== "bound");
      const result = await s.submit({ messageId: randomUUID(), to: "251911000006", text: "queued during outage" });
      expect(result.segments).toBe(1);
      expect(s.status).toBe("bound");
    });
  });

  it("keeps the link alive with enquire_link", async () => {
    await withSession(
      async () => {
        const before = (await smsc.stats()).enquire_links;
        await new Promise((r) => setTimeout(r, 3300));
        expect((await smsc.stats()).enquire_links - before).toBeGreaterThanOrEqual(2);
      },
      { enquire_link_interval_ms: 1000 },
    );
  });

  it("receives MO messages, reassembling concatenated UCS-2 parts split inside a surrogate pair", async () => {
    await withSession(async (s, _receipts, inbound) => {
      await smsc.sendMo({ from: "251911000007", to: "8080", text: "STOP" });
      const long = "እሺ 👋🏾 እንገናኝ! ".repeat(12);
      await smsc.sendMo({
        from: "251911000008",
        to: "8080",
        text: long,
        encoding: "ucs2",
        split_surrogate: true,
        ref: 77,
      });
      await until(() => inbound.length === 2);
      expect(inbound[0]).toMatchObject({
        from: "+251911000007",
        to: "8080",
        text: "STOP",
        metadata: { parts: 1, complete: true },
      });
      expect(inbound[1]).toMatchObject({
        from: "+251911000008",
        text: long,
        metadata: { parts: 4, complete: true, dataCoding: 8 },
      });
      expect(s.stats().inbound).toBe(2);
    });
  });

  it("refuses wrong credentials permanently and does not rebind", async () => {
    const s = new SmppSession(creds({ password: "wrong123" }), { ...LOCAL, reconnectBaseMs: 20 });
    const err = await s.start().catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "permanent", code: "provider_auth_failed", providerCode: "ESME_RINVPASWD" });
    expect(s.status).toBe("closed");
  });

  it("reports an unreachable SMSC as retryable", async () => {
    const s = new SmppSession(creds({ port: 1 }), { ...LOCAL, reconnectBaseMs: 10_000 });
    await expect(s.start()).rejects.toMatchObject({ kind: "retryable", code: "provider_unreachable" });
    await s.close();
  });
});

describe("SMPP adapter contract", () => {
  it("sends through a per-channel session, verifies credentials, and never leaks the password", async () => {
    const { logger, output } = captureLogger();
    const adapter = new SmppAdapter({ ...LOCAL, logger, reconnectBaseMs: 50 });
    const receipts: StatusUpdate[] = [];
    adapter.onReceipt((_ch, u) => void receipts.push(u));
    const channelId = randomUUID();
    const good = {
      host: "127.0.0.1",
      port: smsc.port,
      system_id: "turumba",
      password: "secret12",
      source_addr: "8080",
    };
    const result = await adapter.send({
      messageId: randomUUID(),
      channelId,
      channelType: "smpp",
      credentials: good,
      deliveryAddress: "+251911000009",
      messageBody: "hello",
      metadata: {},
    });
    expect(result).toMatchObject({ success: true, metadata: { segments: 1 } });
    await until(() => receipts.length === 1);
    expect(await adapter.verifyCredentials(good)).toEqual({ valid: true });
    expect(await adapter.verifyCredentials({ ...good, password: "bad-pass" })).toEqual({
      valid: false,
      code: "provider_auth_failed",
      reason: "bind_transceiver refused: ESME_RINVPASWD",
    });
    const err = await adapter
      .send({
        messageId: randomUUID(),
        channelId: randomUUID(),
        channelType: "smpp",
        credentials: { ...good, password: "bad-pass" },
        deliveryAddress: "1",
        messageBody: "x",
        metadata: {},
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendError);
    await adapter.close();
    const surfaces = [
      output(),
      JSON.stringify(result),
      JSON.stringify(err),
      (err as Error).message,
      JSON.stringify(receipts),
    ].join("\n");
    expect(output()).toContain("smpp bound");
    for (const secret of ["secret12", "bad-pass"]) expect(surfaces).not.toContain(secret);
  });
});
