import { sql, type SQL } from "drizzle-orm";
import type { Database } from "./client.js";

/**
 * Raw SQL inside one transaction on either driver. The PGlite driver shares a single session
 * between every caller, so a hand-written BEGIN … COMMIT there could swallow another caller's
 * statements; drizzle's transaction() takes the driver's own transaction lock (PGlite) or a
 * dedicated pooled connection (pg). Statements keep the $1, $2 … placeholders of plain SQL.
 */
export type Query = <R = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<R[]>;

export function toSql(text: string, params: readonly unknown[] = []): SQL {
  const parts = text.split(/\$(\d+)/);
  const out = sql.empty();
  parts.forEach((part, i) => {
    if (i % 2 === 0) out.append(sql.raw(part));
    else out.append(sql`${sql.param(params[Number(part) - 1])}`);
  });
  return out;
}

export async function inTx<T>(db: Database, fn: (q: Query) => Promise<T>): Promise<T> {
  return db.orm.transaction(async (tx) => {
    const q: Query = async <R>(text: string, params?: unknown[]) => {
      const res: { rows: R[] } = await tx.execute(toSql(text, params)) as never;
      return res.rows;
    };
    return fn(q);
  });
}
