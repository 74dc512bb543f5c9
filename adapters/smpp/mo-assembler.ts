/**
 * Reassembly of long inbound SMS (MO) that arrive on a bind in parts, bounded in time and count.
 */

import type { ConcatInfo } from "../../core/sms/encoding.js";

export interface MoPart {
  source: string;
  destination: string;
  text: string;
  concat: ConcatInfo | null;
  dataCoding: number;
}

export interface AssembledMo {
  source: string;
  destination: string;
  text: string;
  parts: number;
  complete: boolean;
  dataCoding: number;
}

interface Pending {
  parts: Map<number, string>;
  total: number;
  first: MoPart;
  startedAt: number;
}

/**
 * Joins concatenated MO parts (UDH IEI 0x00 / 0x08) by sender, recipient and reference.
 * Parts may arrive in any order. A message whose parts stop arriving is released incomplete
 * after `ttlMs` rather than silently dropped, and so is the oldest one when more than
 * `maxPending` wait (counted in `releasedEarly`). Pending messages are kept in the order their
 * first part came, so expiry looks at the front only. UCS-2 parts are joined as UTF-16 strings,
 * so a surrogate pair split across two parts is whole again after joining.
 */
export class MoAssembler {
  private readonly pending = new Map<string, Pending>();
  private released = 0;

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxPending = 5_000,
  ) {}

  /** Messages released incomplete because too many were waiting. */
  get releasedEarly(): number {
    return this.released;
  }

  add(part: MoPart): AssembledMo[] {
    const out = this.expire();
    if (!part.concat || part.concat.total <= 1) {
      out.push({
        source: part.source,
        destination: part.destination,
        text: part.text,
        parts: 1,
        complete: true,
        dataCoding: part.dataCoding,
      });
      return out;
    }
    const { reference, total, sequence } = part.concat;
    const key = `${part.source}|${part.destination}|${reference}|${total}`;
    let p = this.pending.get(key);
    if (!p) {
      p = { parts: new Map(), total, first: part, startedAt: this.now() };
      this.pending.set(key, p);
      while (this.pending.size > this.maxPending) {
        const [oldestKey, oldest] = this.pending.entries().next().value!;
        this.pending.delete(oldestKey);
        this.released++;
        out.push(this.join(oldest, false));
      }
    }
    p.parts.set(sequence, part.text);
    if (p.parts.size === total) {
      this.pending.delete(key);
      out.push(this.join(p, true));
    }
    return out;
  }

  /** Release messages whose missing parts did not arrive in time. */
  expire(): AssembledMo[] {
    const out: AssembledMo[] = [];
    const limit = this.now() - this.ttlMs;
    for (const [key, p] of this.pending) {
      if (p.startedAt > limit) break;
      this.pending.delete(key);
      out.push(this.join(p, false));
    }
    return out;
  }

  get waiting(): number {
    return this.pending.size;
  }

  private join(p: Pending, complete: boolean): AssembledMo {
    const text = [...p.parts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, t]) => t)
      .join("");
    return {
      source: p.first.source,
      destination: p.first.destination,
      text,
      parts: p.total,
      complete,
      dataCoding: p.first.dataCoding,
    };
  }
}
