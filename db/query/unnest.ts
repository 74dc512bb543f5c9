/**
 * Batches reach PostgreSQL as one typed array per column, turned back into rows by unnest(): a
 * batch of any size is one statement with a fixed number of parameters (one prepared plan, one
 * round trip), and no value is spelled into the SQL. This builds the `unnest(...) AS alias(...)`
 * clause and its parameters from the rows and a list of columns.
 */

export interface UnnestColumn<R> {
  name: string;
  /** The PostgreSQL element type: uuid, text, int, timestamptz, jsonb … */
  type: string;
  value(row: R): unknown;
}

/** `from` is the clause, numbered from `$firstParam`; `params` are the column arrays in that order. */
export function unnestRows<R>(
  rows: readonly R[],
  columns: readonly UnnestColumn<R>[],
  alias: string,
  firstParam = 1,
): { from: string; params: unknown[][] } {
  const arrays = columns.map((c, i) => `$${firstParam + i}::${c.type}[]`).join(", ");
  return {
    from: `unnest(${arrays}) AS ${alias}(${columns.map((c) => c.name).join(", ")})`,
    params: columns.map((c) => rows.map((r) => c.value(r))),
  };
}
