/**
 * The demo's closing numbers, from the messages as the REST API returns them: per channel type,
 * how many were sent, delivered and failed, the latency from acceptance to the provider
 * (created_at → sent_at) and how soon after the send its delivery receipt was applied
 * (sent_at → updated_at). Our own clocks on both ends: providers' receipt times (SMPP and
 * Vonage) have minute resolution.
 */

export interface ChannelReport {
  label: string;
  total: number;
  sent: number;
  delivered: number;
  failed: number;
  pending: number;
  /** Handed to the provider, no receipt yet. */
  awaitingReceipt: number;
  toProviderMs: number[];
  receiptMs: number[];
  errors: Map<string, number>;
}

/** Timestamps and codes arrive as JSON strings (or null). */
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

const SENT = new Set(["sent", "delivered", "read", "failed"]);

export function channelReport(label: string, rows: Record<string, unknown>[]): ChannelReport {
  const r: ChannelReport = {
    label,
    total: rows.length,
    sent: 0,
    delivered: 0,
    failed: 0,
    pending: 0,
    awaitingReceipt: 0,
    toProviderMs: [],
    receiptMs: [],
    errors: new Map(),
  };
  for (const m of rows) {
    const status = text(m.status) ?? "unknown";
    const created = Date.parse(text(m.created_at) ?? "");
    const sentAt = Date.parse(text(m.sent_at) ?? "");
    const updatedAt = Date.parse(text(m.updated_at) ?? "");
    if (!Number.isNaN(sentAt)) {
      r.sent++;
      r.toProviderMs.push(sentAt - created);
    }
    if (status === "sent") r.awaitingReceipt++;
    if (status === "delivered" || status === "read") {
      r.delivered++;
      if (!Number.isNaN(updatedAt) && !Number.isNaN(sentAt)) r.receiptMs.push(updatedAt - sentAt);
    } else if (status === "failed") {
      r.failed++;
      const code = text(m.error_code) ?? "unknown";
      r.errors.set(code, (r.errors.get(code) ?? 0) + 1);
    } else if (!SENT.has(status)) r.pending++;
  }
  return r;
}

/** Nearest-rank percentile; "-" when there is nothing to rank. */
export function percentile(values: number[], q: number): string {
  if (values.length === 0) return "-";
  const sorted = [...values].sort((a, b) => a - b);
  return String(Math.max(0, sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!));
}

export function reportTable(reports: ChannelReport[], withReceipts: (label: string) => boolean): string[] {
  const head = `${"channel".padEnd(20)}${"messages".padStart(9)}${"sent".padStart(8)}${"delivered".padStart(11)}${"failed".padStart(8)}   to provider p50/p95/p99 ms   receipt applied p50/p95 ms`;
  const lines = [head, "-".repeat(head.length)];
  for (const r of reports) {
    const prov = [0.5, 0.95, 0.99].map((q) => percentile(r.toProviderMs, q)).join(" / ");
    const hand = withReceipts(r.label) ? [0.5, 0.95].map((q) => percentile(r.receiptMs, q)).join(" / ") : "no receipts";
    const delivered = withReceipts(r.label) ? String(r.delivered) : "-";
    lines.push(
      `${r.label.padEnd(20)}${String(r.total).padStart(9)}${String(r.sent).padStart(8)}${delivered.padStart(11)}${String(r.failed).padStart(8)}   ${prov.padEnd(28)}${hand}`,
    );
  }
  return lines;
}

/** One line of progress: a bar and the counters behind it. */
export function progressLine(label: string, done: number, total: number, parts: Record<string, number>): string {
  const width = 30;
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(share * width);
  const bar = "█".repeat(filled) + "░".repeat(width - filled);
  const detail = Object.entries(parts)
    .map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`)
    .join("  ");
  return `${label} [${bar}] ${(share * 100).toFixed(0).padStart(3)}%  ${detail}`;
}
