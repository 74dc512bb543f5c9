/**
 * Matching a receipt's message id to the submit_sm_resp id it reports on. Ids compare by their
 * literal form (case and leading zeros removed: "00001F3A07" is "1f3a07"). Some SMSCs write the
 * receipt text's id in another radix than submit_sm_resp ("1F3A07" then "2046471"); a channel says
 * so with receipt_id_radix and the receipt id is converted one way only, never guessed: with short
 * sequential ids, matching every id as both decimal and hex applied the receipt for "16" to
 * message "10".
 */

import type { ReceiptIdRadix } from "./credentials.js";

export function literalKey(id: string): string {
  return id
    .trim()
    .toLowerCase()
    .replace(/^0+(?=.)/, "");
}

/**
 * The receipt id written the way submit_sm_resp writes ids: converted from decimal to hex
 * (hex_to_dec: submit ids are hex, receipt ids decimal) or from hex to decimal (dec_to_hex), when
 * it is a number in the receipt's radix; as it is otherwise.
 */
export function receiptIdInSubmitForm(receiptId: string, radix: ReceiptIdRadix): string {
  const id = literalKey(receiptId);
  if (radix === "hex_to_dec" && /^[0-9]+$/.test(id)) return BigInt(id).toString(16);
  if (radix === "dec_to_hex" && /^[0-9a-f]+$/.test(id)) return BigInt("0x" + id).toString(10);
  return id;
}

/**
 * Entries found by the literal form of their id; the oldest entry wins among equal ids. Iteration
 * and `oldest` follow insertion order, so a caller holding entries for a while expires them from
 * the front in constant time per entry.
 */
export class IdIndex<T> {
  private readonly byKey = new Map<string, T[]>();
  private readonly keyOf = new Map<T, string>();

  get size(): number {
    return this.keyOf.size;
  }

  add(id: string, value: T): void {
    const key = literalKey(id);
    this.keyOf.set(value, key);
    const list = this.byKey.get(key);
    if (list) list.push(value);
    else this.byKey.set(key, [value]);
  }

  /** The entry added first among those still held. */
  oldest(): T | undefined {
    return this.keyOf.keys().next().value;
  }

  /** How many entries share this id. */
  countOf(id: string): number {
    return this.byKey.get(literalKey(id))?.length ?? 0;
  }

  find(id: string): T | undefined {
    return this.byKey.get(literalKey(id))?.[0];
  }

  delete(value: T): void {
    const key = this.keyOf.get(value);
    if (key === undefined) return;
    const list = this.byKey.get(key);
    if (list) {
      // Entries leave mostly oldest first: the head of their list.
      const i = list[0] === value ? 0 : list.indexOf(value);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.byKey.delete(key);
    }
    this.keyOf.delete(value);
  }

  values(): IterableIterator<T> {
    return this.keyOf.keys();
  }
}
