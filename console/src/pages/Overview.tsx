/**
 * The live overview: samples of /v1/stats/events (SSE) drawn as they arrive. Throughput keeps the
 * last few minutes of samples in memory (bounded), the backlog is the latest sample's.
 */

import { useEffect, useState } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { components } from "../../../clients/typescript/index.js";
import { subscribe } from "../sse";
import { PageTitle } from "../ui/controls";
import { Empty, Failed, Loading } from "../ui/states";

type Stats = components["schemas"]["Stats"];
/** Two-second samples over five minutes. */
const HISTORY = 150;

interface Point {
  t: string;
  [channelType: string]: number | string;
}

export function Overview() {
  const [latest, setLatest] = useState<Stats>();
  const [history, setHistory] = useState<Point[]>([]);
  const [error, setError] = useState<unknown>();

  useEffect(
    () =>
      subscribe(
        "/v1/stats/events",
        (e) => {
          if (e.event !== "stats") return;
          const s = JSON.parse(e.data) as Stats;
          setLatest(s);
          setError(undefined);
          const point: Point = { t: new Date().toLocaleTimeString() };
          for (const r of s.throughput) point[r.channel_type] = r.sent_per_second;
          setHistory((h) => [...h.slice(-(HISTORY - 1)), point]);
        },
        setError,
      ),
    [],
  );

  const types = [...new Set(history.flatMap((p) => Object.keys(p).filter((k) => k !== "t")))];
  const pct = (v: number | null) => (v === null ? "–" : `${(v * 100).toFixed(1)} %`);

  return (
    <div>
      <PageTitle>Overview</PageTitle>
      {error && !latest ? <Failed error={error} /> : null}
      {!latest ? (
        <Loading what="live figures" />
      ) : (
        <div className="space-y-6">
          <dl className="grid grid-cols-2 gap-4 md:grid-cols-5">
            <Figure label="Delivery rate" value={pct(latest.delivery_rate)} testId="delivery-rate" />
            <Figure label="Failure rate" value={pct(latest.failure_rate)} testId="failure-rate" />
            <Figure label="Inbound / s" value={String(latest.webhook_intake.inbound_per_second)} testId="inbound" />
            <Figure label="Receipts / s" value={String(latest.webhook_intake.receipts_per_second)} testId="receipts" />
            <Figure label="Rate-limit hits (1 min)" value={String(latest.rate_limit_hits)} testId="rate-limit-hits" />
          </dl>
          {latest.capped ? (
            <p className="text-sm text-amber-800 dark:text-amber-300">
              Counts are lower bounds: a scan reached its cap.
            </p>
          ) : null}
          <section aria-labelledby="throughput-title">
            <h2 id="throughput-title" className="mb-2 text-lg font-semibold">
              Messages sent per second by channel type
            </h2>
            {types.length === 0 ? (
              <Empty>Nothing sent in the last minute.</Empty>
            ) : (
              <div className="h-64" role="img" aria-label="Messages sent per second by channel type, last five minutes">
                <ResponsiveContainer>
                  <LineChart data={history}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="t" minTickGap={40} />
                    <YAxis />
                    <Tooltip {...TOOLTIP} />
                    <Legend />
                    {types.map((t, i) => (
                      <Line
                        key={t}
                        dataKey={t}
                        stroke={COLORS[i % COLORS.length]}
                        dot={false}
                        isAnimationActive={false}
                      />
                    ))}
                  </LineChart>
                </ResponsiveContainer>
              </div>
            )}
          </section>
          <section aria-labelledby="backlog-title">
            <h2 id="backlog-title" className="mb-2 text-lg font-semibold">
              Backlog per channel
            </h2>
            {latest.backlog.length === 0 ? (
              <Empty>No channels yet.</Empty>
            ) : (
              <div className="h-64" role="img" aria-label="Queued and sending messages per channel">
                <ResponsiveContainer>
                  <BarChart data={latest.backlog}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="name" />
                    <YAxis allowDecimals={false} />
                    <Tooltip {...TOOLTIP} />
                    <Legend />
                    <Bar dataKey="queued" stackId="b" fill="#4f46e5" isAnimationActive={false} />
                    <Bar dataKey="sending" stackId="b" fill="#0891b2" isAnimationActive={false} />
                  </BarChart>
                </ResponsiveContainer>
              </div>
            )}
          </section>
        </div>
      )}
    </div>
  );
}

/** The tooltip is a white card in both themes, its text dark enough for WCAG AA whatever the series colour. */
const TOOLTIP = {
  contentStyle: { background: "#ffffff", borderColor: "#cbd5e1" },
  labelStyle: { color: "#0f172a" },
  itemStyle: { color: "#0f172a" },
  cursor: { fill: "rgba(148, 163, 184, 0.2)" },
};

const COLORS = ["#4f46e5", "#0891b2", "#16a34a", "#d97706", "#dc2626", "#7c3aed"];

function Figure({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="rounded-md border border-slate-200 p-4 dark:border-slate-700">
      <dt className="text-sm text-slate-700 dark:text-slate-300">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}
