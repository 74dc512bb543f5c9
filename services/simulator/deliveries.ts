/**
 * Every webhook and deliver_sm the simulator sends a receiver, attempt by attempt, with the
 * receiver's answer: accepted (a 2xx, or deliver_sm_resp status 0), refused (any other status) or
 * no answer (a reset, a timeout, a bind closed first). The fault drill reads it (GET
 * /_sim/deliveries) to tell, for each inbound message not stored or receipt not applied, whether
 * the receiver accepted it (a loss on the receiving side) or refused it and the provider gave up
 * (or, like Twilio's status callbacks, never redelivers): counts by id, not totals.
 */

import type { ProviderKey } from "./config.js";

export type DeliveryKind = "inbound" | "receipt";
export type DeliveryAnswer = "accepted" | "refused" | "no_answer";

/** What a delivery is about: the id the receiver stores (provider message id) and, for receipts, the status. */
export interface Tracked {
  kind: DeliveryKind;
  id: string;
  what?: string;
}

export interface DeliveryAttempt {
  at: number;
  answer: DeliveryAnswer;
  /** The HTTP or SMPP status, or the transport error. */
  detail?: string;
}

export interface Delivery extends Tracked {
  provider: ProviderKey;
  attempts: DeliveryAttempt[];
  /** accepted once any attempt was; given_up after the provider's last retry; retrying meanwhile. */
  outcome: "accepted" | "retrying" | "given_up";
}

/** Bounded like the other records: a drill sends tens of thousands, a benchmark may send millions. */
const MAX_DELIVERIES = 500_000;

export class DeliveryLedger {
  private entries: Delivery[] = [];

  open(provider: ProviderKey, tracked: Tracked): Delivery {
    const d: Delivery = { ...tracked, provider, attempts: [], outcome: "retrying" };
    this.entries.push(d);
    if (this.entries.length > MAX_DELIVERIES) this.entries.splice(0, this.entries.length - MAX_DELIVERIES);
    return d;
  }

  attempt(d: Delivery, answer: DeliveryAnswer, detail?: string, at = Date.now()): void {
    d.attempts.push({ at, answer, ...(detail === undefined ? {} : { detail }) });
    if (answer === "accepted") d.outcome = "accepted";
  }

  giveUp(d: Delivery): void {
    if (d.outcome !== "accepted") d.outcome = "given_up";
  }

  list(filter: { kind?: DeliveryKind; provider?: string } = {}): Delivery[] {
    return this.entries.filter(
      (d) => (!filter.kind || d.kind === filter.kind) && (!filter.provider || d.provider === filter.provider),
    );
  }

  reset(): void {
    this.entries = [];
  }
}
