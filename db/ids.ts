/**
 * UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits. Ids minted in
 * time order land at the right edge of the primary-key b-tree instead of at random pages, which
 * keeps inserts into a 30M-rows-a-month table cheap. The timestamp is the row's created_at, so a
 * message id also says which monthly partition holds it.
 *
 * Within one millisecond the 12-bit rand_a field is a counter (RFC 9562 §6.2, method 1), so
 * rows minted in sequence sort in that order — a message's status events, for instance. The
 * timestamp is never adjusted: it must equal created_at.
 */

import { randomBytes } from "node:crypto";

let lastMs = -1;
let counter = 0;

export function uuidv7(at: Date = new Date()): string {
  const bytes = randomBytes(16);
  const msNum = at.getTime();
  if (msNum === lastMs && counter < 0xfff) {
    counter++;
  } else {
    lastMs = msNum;
    // Start low in the range so many ids fit in the same millisecond.
    counter = bytes[7]! & 0x7f;
  }
  const ms = BigInt(msNum);
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = 0x70 | (counter >> 8); // version 7 + high counter bits
  bytes[7] = counter & 0xff;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC variant
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The creation time embedded in a version-7 id, or undefined for other versions. */
export function uuidv7Time(id: string): Date | undefined {
  const hex = id.replace(/-/g, "");
  if (hex.length !== 32 || hex[12] !== "7") return undefined;
  return new Date(Number.parseInt(hex.slice(0, 12), 16));
}
