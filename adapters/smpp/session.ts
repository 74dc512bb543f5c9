/**
 * The connection to an SMSC (the smpp package): bind, keep-alive, rebinding, the submit window and
 * long-message segmentation; what arrives on the bind is handed to bind-inbound.ts.
 */

import smpp from "smpp";
import { createLogger, type Logger } from "../../core/logger.js";
import { SendError } from "../../core/dispatch/send-error.js";
import {
  DATA_CODING,
  concatUdh,
  detectEncoding,
  encodeText,
  splitSegments,
  type SmsEncoding,
} from "../../core/sms/encoding.js";
import type { InboundMessage, StatusUpdate } from "../../core/messages/vocabulary.js";
import {
  STRICT_OUTBOUND,
  checkedDestination,
  type CheckedDestination,
  type Lookup,
  type OutboundPolicy,
} from "../contract/outbound-address.js";
import { BindInbound, type BindLimits } from "./bind-inbound.js";
import type { SmppCredentials } from "./credentials.js";
import { BIND_AUTH_FAILURES, ESME, ESM_UDHI, classifySubmitStatus, esmeName } from "./vocabulary.js";

export type SessionState = "idle" | "connecting" | "bound" | "reconnecting" | "closed";

export interface SmppSessionOptions {
  logger?: Logger;
  /** First rebind delay; doubles per failed attempt up to `reconnectMaxMs`, with jitter. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  connectTimeoutMs?: number;
  /** How long a submit_sm may wait for its submit_sm_resp before the outcome is called unknown. */
  responseTimeoutMs?: number;
  /** How long a submit may wait for a window slot or a bind. */
  queueTimeoutMs?: number;
  /** How long a receipt that matches no submit is kept in case its submit_sm_resp is still coming. */
  orphanReceiptTtlMs?: number;
  /** How many held receipts, awaited receipts and pending MO parts one bind keeps at most. */
  bindLimits?: BindLimits;
  /** Which non-public addresses the channel's host may resolve to (none by default). */
  outbound?: OutboundPolicy;
  /** Host name resolution, replaceable in tests. */
  lookup?: Lookup;
}

export interface SubmitRequest {
  /** Our message id; receipts carry it back in metadata. */
  messageId: string;
  to: string;
  text: string;
  /** Force an alphabet; detected from the text otherwise. */
  encoding?: SmsEncoding;
}

export interface SubmitResult {
  /** The SMSC's id for each segment, in segment order. */
  segmentIds: string[];
  segments: number;
  encoding: SmsEncoding;
}

interface Waiter {
  resolve: () => void;
  reject: (err: SendError) => void;
  timer: NodeJS.Timeout;
}

/**
 * One SMPP transceiver bind to one SMSC account. It keeps the bind alive (enquire_link),
 * rebinds with backoff after a drop, limits outstanding submit_sm to the agreed window,
 * encodes and concatenates long messages, and hands deliver_sm to BindInbound, which turns them
 * into status updates (receipts) and inbound messages (MO, reassembled) and outlives any one
 * TCP connection, so a receipt that arrives on a later bind still finds its message.
 */
export class SmppSession {
  private state: SessionState = "idle";
  private current: smpp.Session | null = null;
  private inFlight = 0;
  private readonly waiters: Waiter[] = [];
  private readonly unacked = new Set<(err: SendError) => void>();
  private readonly inbound: BindInbound;
  private reference = Math.floor(Math.random() * 256);
  private attempt = 0;
  private enquireTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private awaitingEnquire = false;
  private readonly logger: Logger;
  private readonly stateListeners: Array<(s: SessionState) => void> = [];
  private readonly counters = { binds: 0, submitted: 0, drops: 0, refusedDeliveries: 0 };
  private takingBindEvents: () => boolean = () => true;
  private readonly opts: Required<Omit<SmppSessionOptions, "logger" | "outbound" | "lookup" | "bindLimits">>;
  private readonly outbound: OutboundPolicy;
  private readonly lookup: Lookup | undefined;

  constructor(
    private readonly creds: SmppCredentials,
    options: SmppSessionOptions = {},
  ) {
    this.logger = options.logger ?? createLogger("adapter.smpp");
    this.opts = {
      reconnectBaseMs: options.reconnectBaseMs ?? 500,
      reconnectMaxMs: options.reconnectMaxMs ?? 30_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      responseTimeoutMs: options.responseTimeoutMs ?? 30_000,
      queueTimeoutMs: options.queueTimeoutMs ?? 30_000,
      // A receipt overtakes its submit_sm_resp by milliseconds; after 5 s it is another bind's.
      orphanReceiptTtlMs: options.orphanReceiptTtlMs ?? 5_000,
    };
    this.outbound = options.outbound ?? STRICT_OUTBOUND;
    this.lookup = options.lookup;
    this.inbound = new BindInbound(
      this.logger,
      this.opts.orphanReceiptTtlMs,
      creds.receipt_id_radix,
      options.bindLimits,
    );
  }

  get status(): SessionState {
    return this.state;
  }

  stats() {
    return {
      state: this.state,
      inFlight: this.inFlight,
      queued: this.waiters.length,
      ...this.inbound.stats(),
      ...this.counters,
    };
  }

  /** While `ready` answers false, deliver_sm and data_sm are refused with ESME_RX_T_APPN. */
  takeBindEventsWhile(ready: () => boolean): void {
    this.takingBindEvents = ready;
  }

  /** The deliver_sm is answered once the listener's promise resolves (see BindInbound). */
  onReceipt(listener: (u: StatusUpdate) => void | Promise<void>): void {
    this.inbound.onReceipt(listener);
  }

  onInbound(listener: (m: InboundMessage) => void | Promise<void>): void {
    this.inbound.onInbound(listener);
  }

  onState(listener: (s: SessionState) => void): void {
    this.stateListeners.push(listener);
  }

  /**
   * Bind once. Resolves when bound; rejects with a permanent SendError when the SMSC refuses
   * the credentials (no rebinding then) and with a retryable one when it cannot be reached
   * (rebinding continues in the background and queued submits go out once bound).
   */
  async start(): Promise<void> {
    if (this.state === "bound") return;
    if (this.state === "closed")
      throw new SendError({ kind: "permanent", code: "smpp_session_closed", message: "session was closed" });
    try {
      await this.bindOnce();
    } catch (err) {
      const e = err as SendError;
      if (e.kind === "permanent") this.setState("closed");
      else this.scheduleReconnect();
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.setState("closed");
    this.clearTimers();
    const closed = new SendError({ kind: "retryable", code: "smpp_session_closed", message: "SMPP session closed" });
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(closed);
    }
    const s = this.current;
    this.current = null;
    if (!s) return;
    await new Promise<void>((resolve) => {
      const done = setTimeout(() => s.destroy(() => resolve()), 2000);
      const sent = s.send(new smpp.PDU("unbind"), () => {
        clearTimeout(done);
        s.close(() => resolve());
      });
      if (!sent) {
        clearTimeout(done);
        s.destroy();
        resolve();
      }
    });
    for (const fail of [...this.unacked]) fail(closed);
  }

  /** Tear the TCP connection down without unbinding, as a network fault would. For drills and tests. */
  dropConnection(): void {
    this.current?.socket.destroy();
  }

  async submit(req: SubmitRequest): Promise<SubmitResult> {
    const encoding = req.encoding ?? detectEncoding(req.text);
    const parts = splitSegments(req.text, encoding);
    if (parts.length > 255)
      throw new SendError({
        kind: "permanent",
        code: "invalid_content",
        message: "message needs more than 255 segments",
      });
    const reference = parts.length > 1 ? this.nextReference() : 0;
    const segmentIds = await Promise.all(
      parts.map((part, i) =>
        this.submitSegment(req, {
          segment: i + 1,
          segments: parts.length,
          encoding,
          shortMessage:
            parts.length > 1
              ? Buffer.concat([concatUdh(reference, parts.length, i + 1), encodeText(part, encoding)])
              : encodeText(part, encoding),
        }),
      ),
    );
    this.counters.submitted++;
    return { segmentIds, segments: parts.length, encoding };
  }

  private nextReference(): number {
    this.reference = (this.reference + 1) % 256;
    return this.reference;
  }

  private sourceTonNpi(): { ton: number; npi: number } {
    const alpha = /[^0-9+]/.test(this.creds.source_addr);
    return {
      ton: this.creds.source_addr_ton ?? (alpha ? 5 : 1),
      npi: this.creds.source_addr_npi ?? (alpha ? 0 : 1),
    };
  }

  private async submitSegment(
    req: SubmitRequest,
    seg: { segment: number; segments: number; encoding: SmsEncoding; shortMessage: Buffer },
  ): Promise<string> {
    await this.acquireSlot();
    const session = this.current;
    const { ton, npi } = this.sourceTonNpi();
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.unacked.delete(fail);
        this.releaseSlot();
        fn();
      };
      const fail = (err: SendError) => finish(() => reject(err));
      const timer = setTimeout(
        () =>
          fail(
            new SendError({
              kind: "retryable",
              code: "smpp_response_timeout",
              message: `no submit_sm_resp within ${this.opts.responseTimeoutMs} ms`,
              outcomeUnknown: true,
            }),
          ),
        this.opts.responseTimeoutMs,
      );
      this.unacked.add(fail);
      const sent = session?.submit_sm(
        {
          source_addr_ton: ton,
          source_addr_npi: npi,
          source_addr: this.creds.source_addr,
          dest_addr_ton: this.creds.dest_addr_ton,
          dest_addr_npi: this.creds.dest_addr_npi,
          destination_addr: req.to.replace(/^\+/, ""),
          esm_class: seg.segments > 1 ? ESM_UDHI : 0,
          registered_delivery: 1,
          data_coding: DATA_CODING[seg.encoding],
          short_message: seg.shortMessage,
        },
        (pdu: smpp.PDU) => {
          if (pdu.command_status !== ESME.ROK) {
            const rule = classifySubmitStatus(pdu.command_status);
            fail(
              new SendError({
                ...rule,
                providerCode: esmeName(pdu.command_status),
                status: pdu.command_status,
                message: `submit_sm refused: ${esmeName(pdu.command_status)}`,
              }),
            );
            return;
          }
          const providerId = typeof pdu.message_id === "string" ? pdu.message_id : "";
          finish(() => {
            this.inbound.acknowledged({
              messageId: req.messageId,
              providerId,
              segment: seg.segment,
              segments: seg.segments,
              submittedAt: Date.now(),
            });
            resolve(providerId);
          });
        },
      );
      if (!sent)
        fail(
          new SendError({ kind: "retryable", code: "smpp_connection_lost", message: "SMPP connection not writable" }),
        );
    });
  }

  private acquireSlot(): Promise<void> {
    if (this.state === "bound" && this.inFlight < this.creds.window_size && this.waiters.length === 0) {
      this.inFlight++;
      return Promise.resolve();
    }
    if (this.state === "closed")
      return Promise.reject(
        new SendError({ kind: "retryable", code: "smpp_session_closed", message: "SMPP session closed" }),
      );
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(
            this.state === "bound"
              ? new SendError({
                  kind: "throttled",
                  code: "smpp_window_full",
                  message: "no window slot became free in time",
                })
              : new SendError({ kind: "retryable", code: "smpp_not_bound", message: `SMPP session is ${this.state}` }),
          );
        }, this.opts.queueTimeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  private releaseSlot(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.pump();
  }

  private pump(): void {
    while (this.state === "bound" && this.inFlight < this.creds.window_size && this.waiters.length > 0) {
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      this.inFlight++;
      w.resolve();
    }
  }

  /**
   * Resolves and checks the host on every bind (DNS may have moved), then connects to the checked
   * address: the host is the tenant's choice and the dispatcher sits inside the cluster.
   */
  private async bindOnce(): Promise<void> {
    this.setState("connecting");
    const dest = await checkedDestination(this.creds.host, this.outbound, this.lookup);
    if (this.state === "closed")
      throw new SendError({ kind: "retryable", code: "smpp_session_closed", message: "SMPP session closed" });
    return this.connectAndBind(dest);
  }

  private connectAndBind(dest: CheckedDestination): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: SendError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        if (err) reject(err);
        else resolve();
      };
      const s = smpp.connect({
        host: dest.address,
        port: this.creds.port,
        tls: this.creds.tls,
        // TLS presents and verifies the name the tenant gave, not the address.
        ...(this.creds.tls && dest.address !== dest.host ? { servername: dest.host } : {}),
      });
      this.current = s;
      const timeout = setTimeout(() => {
        settle(
          new SendError({
            kind: "retryable",
            code: "provider_unreachable",
            message: `no bind within ${this.opts.connectTimeoutMs} ms`,
          }),
        );
        s.destroy();
      }, this.opts.connectTimeoutMs);
      s.on("error", (err: NodeJS.ErrnoException) => {
        this.logger.warn({ host: this.creds.host, port: this.creds.port, code: err.code }, "smpp socket error");
        settle(
          new SendError({
            kind: "retryable",
            code: "provider_unreachable",
            providerCode: err.code ?? null,
            message: `SMPP connection failed: ${err.code ?? "error"}`,
          }),
        );
      });
      s.on("close", () => {
        settle(
          new SendError({ kind: "retryable", code: "provider_unreachable", message: "connection closed before bind" }),
        );
        this.onClose(s);
      });
      s.on("pdu", (pdu: smpp.PDU) => this.onPdu(s, pdu));
      s.on("connect", () => {
        // PDUs are small and latency-bound; Nagle's algorithm would hold each one back.
        s.socket.setNoDelay(true);
        s.bind_transceiver(
          {
            system_id: this.creds.system_id,
            password: this.creds.password,
            system_type: this.creds.system_type,
            interface_version: 0x34,
          },
          (pdu: smpp.PDU) => {
            if (pdu.command_status !== ESME.ROK) {
              const auth = BIND_AUTH_FAILURES.has(pdu.command_status);
              settle(
                new SendError({
                  kind: auth ? "permanent" : "retryable",
                  code: auth ? "provider_auth_failed" : "smpp_bind_failed",
                  providerCode: esmeName(pdu.command_status),
                  status: pdu.command_status,
                  message: `bind_transceiver refused: ${esmeName(pdu.command_status)}`,
                }),
              );
              s.destroy();
              return;
            }
            this.attempt = 0;
            this.counters.binds++;
            this.setState("bound");
            this.startEnquireLink(s);
            this.logger.info(
              { host: this.creds.host, port: this.creds.port, systemId: this.creds.system_id, smsc: pdu.system_id },
              "smpp bound",
            );
            settle();
            this.pump();
          },
        );
      });
    });
  }

  private onClose(s: smpp.Session): void {
    if (s !== this.current) return;
    this.current = null;
    this.stopEnquireLink();
    // Segments without a submit_sm_resp have an unknown outcome; the caller decides on a retry.
    const lost = new SendError({
      kind: "retryable",
      code: "smpp_connection_lost",
      message: "SMPP connection lost before submit_sm_resp",
      outcomeUnknown: true,
    });
    for (const fail of [...this.unacked]) fail(lost);
    this.inFlight = 0;
    if (this.state === "closed") return;
    if (this.state === "bound") {
      this.counters.drops++;
      this.logger.warn(
        { host: this.creds.host, port: this.creds.port, awaitingReceipt: this.inbound.awaitingReceipt },
        "smpp connection dropped; rebinding",
      );
    }
    if (this.state !== "connecting" || this.attempt > 0 || this.counters.binds > 0) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.state === "closed" || this.reconnectTimer) return;
    this.setState("reconnecting");
    const delay = Math.min(this.opts.reconnectMaxMs, this.opts.reconnectBaseMs * 2 ** this.attempt);
    const jittered = Math.round(delay * (0.5 + Math.random() * 0.5));
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.bindOnce().catch((err: SendError) => {
        if (err.kind === "permanent") {
          this.logger.error({ code: err.code, providerCode: err.providerCode }, "smpp rebind refused; giving up");
          void this.close();
        }
        // Retryable failures reschedule through the close handler.
      });
    }, jittered);
  }

  private startEnquireLink(s: smpp.Session): void {
    this.stopEnquireLink();
    this.awaitingEnquire = false;
    this.enquireTimer = setInterval(() => {
      if (this.awaitingEnquire) {
        // The previous enquire_link went unanswered for a whole interval: the link is dead.
        this.logger.warn({ host: this.creds.host }, "enquire_link unanswered; dropping connection");
        s.destroy();
        return;
      }
      this.awaitingEnquire = true;
      s.enquire_link({}, () => {
        this.awaitingEnquire = false;
      });
    }, this.creds.enquire_link_interval_ms);
  }

  private stopEnquireLink(): void {
    if (this.enquireTimer) clearInterval(this.enquireTimer);
    this.enquireTimer = null;
  }

  private clearTimers(): void {
    this.stopEnquireLink();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private setState(state: SessionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const l of this.stateListeners) l(state);
  }

  private onPdu(s: smpp.Session, pdu: smpp.PDU): void {
    switch (pdu.command) {
      case "enquire_link":
        s.send(pdu.response());
        return;
      case "unbind":
        s.send(pdu.response());
        s.close();
        return;
      case "deliver_sm":
      case "data_sm":
        // What cannot be handed on now is refused with a temporary error: the SMSC keeps it and
        // redelivers, where taking it would lose it if this process went away before passing it on.
        if (!this.takingBindEvents()) {
          this.counters.refusedDeliveries++;
          answer(s, pdu, ESME.RX_T_APPN);
          return;
        }
        // Answered once what it carried is handed on (on the broker): status 0 is that promise.
        // Refused with a temporary error when it could not be; if the bind closes first, the
        // SMSC redelivers what it never had an answer for.
        settle(() => this.inbound.deliver(pdu)).then(
          () => answer(s, pdu, ESME.ROK),
          (err: unknown) => {
            this.counters.refusedDeliveries++;
            this.logger.warn(
              { err: err instanceof Error ? err.message : String(err) },
              "smpp deliver_sm not handed on; refused with a temporary error",
            );
            answer(s, pdu, ESME.RX_T_APPN);
          },
        );
        return;
      default:
        return;
    }
  }
}

/** Runs `fn`, turning a throw into a rejection. */
async function settle(fn: () => Promise<void>): Promise<void> {
  await fn();
}

/** Answers a PDU; a connection already closed has nobody to answer (the SMSC redelivers). */
function answer(s: smpp.Session, pdu: smpp.PDU, commandStatus: number): void {
  try {
    s.send(commandStatus === ESME.ROK ? pdu.response() : pdu.response({ command_status: commandStatus }));
  } catch {
    // The bind is gone; nothing to answer.
  }
}
