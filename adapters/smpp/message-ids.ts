/**
 * SMSCs disagree with themselves about message ids: submit_sm_resp may say "1F3A07" while the
 * receipt says "0002046471" (the same number in zero-padded decimal) or "1f3a07". Every id is
 * indexed under its literal form (case and leading zeros removed) and under the numbers it can
 * stand for, so a receipt finds its submit whichever form either side used. The literal form is
 * tried first, so cross-radix matching only decides when nothing matches literally.
 */

export function literalKey(id: string): string {
  return (
    "s:" +
    id
      .trim()
      .toLowerCase()
      .replace(/^0+(?=.)/, "")
  );
}

export function numericKeys(id: string): string[] {
  const s = id
    .trim()
    .toLowerCase()
    .replace(/^0+(?=.)/, "");
  const keys: string[] = [];
  if (/^[0-9]+$/.test(s)) keys.push("n:" + BigInt(s).toString());
  if (/^[0-9a-f]+$/.test(s)) keys.push("n:" + BigInt("0x" + s).toString());
  return [...new Set(keys)];
}

export function allKeys(id: string): string[] {
  return [literalKey(id), ...numericKeys(id)];
}

/** Entries findable by any form of their id; oldest entry wins among equal candidates. */
export class IdIndex<T> {
  private readonly byKey = new Map<string, T[]>();
  private readonly keysOf = new Map<T, string[]>();

  get size(): number {
    return this.keysOf.size;
  }

  add(id: string, value: T): void {
    const keys = allKeys(id);
    this.keysOf.set(value, keys);
    for (const key of keys) {
      const list = this.byKey.get(key);
      if (list) list.push(value);
      else this.byKey.set(key, [value]);
    }
  }

  find(id: string): T | undefined {
    const literal = this.byKey.get(literalKey(id))?.[0];
    if (literal !== undefined) return literal;
    for (const key of numericKeys(id)) {
      const hit = this.byKey.get(key)?.[0];
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  delete(value: T): void {
    for (const key of this.keysOf.get(value) ?? []) {
      const list = this.byKey.get(key)?.filter((v) => v !== value);
      if (list && list.length > 0) this.byKey.set(key, list);
      else this.byKey.delete(key);
    }
    this.keysOf.delete(value);
  }

  values(): IterableIterator<T> {
    return this.keysOf.keys();
  }
}
