/**
 * The simulator's SMPP side: an SMSC that SMPP channels bind to as they would to an operator's.
 */

import type { AddressInfo } from "node:net";
import smpp from "smpp";
import { safeEqual } from "../../adapters/contract/signatures.js";
import { hex, type SimContext } from "./context.js";
import type { Delivery, Tracked } from "./deliveries.js";
import { SegmentJoiner } from "./smsc-segments.js";
import { DEFAULT_WEBHOOK_RETRIES } from "./webhooks.js";

const ESME_RINVPASWD = 0x0e;
const ESME_RSYSERR = 0x08;
const ESME_RTHROTTLED = 0x58;

interface PendingReceipt {
  systemId: string;
  pdu: Record<string, unknown>;
  /** Its line in the simulator's delivery ledger, across every attempt. */
  delivery: Delivery;
}

interface Unanswered extends PendingReceipt {
  attempt: number;
}

/**
 * An SMSC on the smpp package's server side: transceiver binds, submit_sm with the configured
 * latency and fault rates, delivery receipts (TLVs and text) after the receipt delay, and
 * deliver_sm MO on demand. Receipts for a bind that went away wait for the next bind.
 */
/**
 * What an SMSC keeps across a restart (restartSmsc): its binds and what waits for one. A receipt
 * scheduled before the restart, or a deliver_sm its dropped bind left unanswered, goes to the
 * next bind, as an operator's SMSC keeps its store through a link drop.
 */
export interface SmscState {
  bound: Map<smpp.Session, string>;
  parked: PendingReceipt[];
  /** deliver_sm sent on a session and not answered yet: an SMSC sends them again if the bind goes. */
  unanswered: Map<smpp.Session, Set<Unanswered>>;
}

export function newSmscState(): SmscState {
  return { bound: new Map(), parked: [], unanswered: new Map() };
}

export async function startSmsc(
  ctx: SimContext,
  port: number,
  state: SmscState = newSmscState(),
): Promise<{
  server: smpp.Server;
  port: number;
  state: SmscState;
  sendMo: (from: string, to: string, text: string) => boolean;
}> {
  const { bound, parked, unanswered } = state;
  const concat = new SegmentJoiner();

  /**
   * A deliver_sm answered with a non-zero command_status (ESME_RX_T_APPN: the ESME cannot take
   * it now) is sent again later, as operators' SMSCs do, on the provider's bounded schedule; one
   * never answered before its bind closed goes to the next bind.
   */
  const ledger = ctx.stats.deliveries;
  const deliverTo = (session: smpp.Session, p: PendingReceipt, attempt = 0) => {
    const { pdu, delivery } = p;
    const entry: Unanswered = { ...p, attempt };
    let waiting = unanswered.get(session);
    if (!waiting) unanswered.set(session, (waiting = new Set()));
    waiting.add(entry);
    session.deliver_sm({ ...pdu }, (resp: smpp.PDU) => {
      waiting.delete(entry);
      const status = Number(resp.command_status ?? 0);
      ledger.attempt(delivery, status === 0 ? "accepted" : "refused", `0x${status.toString(16).padStart(8, "0")}`);
      if (status === 0) return;
      const counters = ctx.stats.of("smpp");
      counters.webhooksFailed++;
      const schedule = ctx.behaviour("smpp").webhookRetries ?? DEFAULT_WEBHOOK_RETRIES.smpp;
      const delay = schedule[attempt];
      if (delay === undefined) {
        counters.webhooksGivenUp++;
        ledger.giveUp(delivery);
        return;
      }
      setTimeout(() => {
        counters.webhooksRetried++;
        deliver(p, attempt + 1);
      }, delay).unref();
    });
  };

  const deliver = (p: PendingReceipt, attempt = 0) => {
    const target = [...bound.entries()].find(([, id]) => id === p.systemId)?.[0];
    if (!target) {
      parked.push(p);
      return;
    }
    deliverTo(target, p, attempt);
  };

  const track = (systemId: string, pdu: Record<string, unknown>, tracked: Tracked): PendingReceipt => ({
    systemId,
    pdu,
    delivery: ledger.open("smpp", tracked),
  });

  const server = smpp.createServer({}, (session: smpp.Session) => {
    session.socket.setNoDelay(true);
    session.on("error", () => undefined);
    session.on("close", () => {
      bound.delete(session);
      const waiting = unanswered.get(session) ?? new Set<Unanswered>();
      unanswered.delete(session);
      for (const u of waiting) {
        ledger.attempt(u.delivery, "no_answer", "bind closed before deliver_sm_resp");
        ctx.stats.of("smpp").webhooksRetried++;
        deliver(u, u.attempt);
      }
    });
    session.on("bind_transceiver", (pdu: smpp.PDU) => {
      const { systemId, password } = ctx.config.smpp;
      const okId = !systemId || pdu.system_id === systemId;
      const given = typeof pdu.password === "string" ? pdu.password : "";
      const okPass = (!password || safeEqual(given, password)) && !ctx.refuses(given);
      if (!okId || !okPass) {
        session.send(pdu.response({ command_status: ESME_RINVPASWD }));
        return;
      }
      const id = typeof pdu.system_id === "string" ? pdu.system_id : "";
      session.send(pdu.response({ system_id: "SIMSMSC" }));
      bound.set(session, id);
      ctx.stats.of("smpp").binds++;
      const mine = parked.filter((x) => x.systemId === id);
      parked.splice(0, parked.length, ...parked.filter((x) => x.systemId !== id));
      for (const p of mine) deliverTo(session, p);
    });
    session.on("enquire_link", (pdu: smpp.PDU) => session.send(pdu.response()));
    session.on("unbind", (pdu: smpp.PDU) => {
      session.send(pdu.response());
      session.close();
    });
    session.on("submit_sm", (pdu: smpp.PDU) => {
      const counters = ctx.stats.of("smpp");
      counters.requests++;
      const systemId = bound.get(session);
      if (systemId === undefined) {
        session.send(pdu.response({ command_status: 0x04 }));
        return;
      }
      const b = ctx.behaviour("smpp");
      const answer = () => {
        const fault = ctx.dice.fault(b);
        // An SMSC that hangs: the submit_sm is never answered.
        if (fault === "timeout") {
          counters.timeouts++;
          return;
        }
        if (fault) {
          if (fault === "throttle") counters.throttled++;
          else counters.errors++;
          session.send(pdu.response({ command_status: fault === "throttle" ? ESME_RTHROTTLED : ESME_RSYSERR }));
          return;
        }
        const messageId = hex(ctx.nextId(), 10).toUpperCase();
        counters.units++;
        const esm = Number(pdu.esm_class ?? 0);
        const sm = pdu.short_message as { udh?: Buffer[]; message?: string | Buffer } | undefined;
        const udh = sm?.udh?.[0];
        // A concatenated message counts once, on its last segment.
        if (!(esm & 0x40) || !udh || udh[4] === udh[3]) counters.accepted++;
        ctx.stats.remember("smpp", messageId, String(pdu.destination_addr));
        const whole = concat.add(systemId, pdu, messageId);
        if (whole) ctx.stats.received.add("smpp", whole.id, String(pdu.destination_addr), whole.content);
        session.send(pdu.response({ message_id: messageId }));
        if (Number(pdu.registered_delivery ?? 0) & 0x01) {
          const delivered = ctx.dice.outcome(b) === "delivered";
          const stamp = new Date().toISOString().replace(/[-T:]/g, "").slice(2, 12);
          const text = `id:${messageId} sub:001 dlvrd:${delivered ? "001" : "000"} submit date:${stamp} done date:${stamp} stat:${delivered ? "DELIVRD" : "UNDELIV"} err:${delivered ? "000" : "001"} text:`;
          ctx.later("smpp", async () =>
            deliver(
              track(
                systemId,
                {
                  source_addr: pdu.destination_addr,
                  destination_addr: pdu.source_addr,
                  esm_class: 0x04,
                  data_coding: 0,
                  short_message: Buffer.from(text, "ascii"),
                  receipted_message_id: messageId,
                  message_state: delivered ? 2 : 5,
                },
                { kind: "receipt", id: messageId, what: delivered ? "DELIVRD" : "UNDELIV" },
              ),
            ),
          );
        }
      };
      const delay = ctx.dice.latency(b);
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });

  const sendMo = (from: string, to: string, text: string): boolean => {
    const first = bound.entries().next().value;
    if (!first) return false;
    const [session, systemId] = first;
    const ucs2 = /[^\x20-\x7e]/.test(text);
    const pdu = {
      source_addr: from.replace(/^\+/, ""),
      destination_addr: to,
      esm_class: 0,
      data_coding: ucs2 ? 0x08 : 0x00,
      short_message: ucs2 ? Buffer.from(text, "utf16le").swap16() : Buffer.from(text, "ascii"),
    };
    // An MO carries no id the ESME stores (it makes its own): the ledger names it by sender and text.
    deliverTo(session, track(systemId, pdu, { kind: "inbound", id: `${pdu.source_addr}:${text}` }));
    ctx.stats.of("smpp").inboundSent++;
    return true;
  };

  return { server, port: (server.address() as AddressInfo).port, state, sendMo };
}
