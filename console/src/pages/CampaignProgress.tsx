/**
 * A campaign's live progress from its SSE stream (GET /v1/group-messages/{id}/events): counts by
 * status, the send rate and an estimate of the time left, the reasons recipients were skipped or
 * failed, and pause, resume and cancel.
 */

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";
import type { components } from "../../../clients/typescript/index.js";
import { api, unwrap } from "../api";
import { useCan } from "../permissions";
import { subscribe } from "../sse";
import { PageTitle } from "../ui/controls";
import { Failed, Loading, StatusBadge } from "../ui/states";
import { CAMPAIGN_ACTIONS, progressOf, useCampaignChange } from "./Campaigns";

type GroupMessage = components["schemas"]["GroupMessage"];

export function CampaignProgress() {
  const { campaignId } = useParams({ from: "/app/campaigns/$campaignId" });
  const qc = useQueryClient();
  const key = ["campaign", campaignId];
  const first = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api().GET("/v1/group-messages/{id}", { params: { path: { id: campaignId } } })),
  });
  const [rate, setRate] = useState<number>();
  const last = useRef<{ at: number; done: number }>(undefined);
  const change = useCampaignChange();
  const canChange = useCan("manage");

  useEffect(
    () =>
      subscribe(`/v1/group-messages/${campaignId}/events`, (e) => {
        if (e.event !== "progress" && e.event !== "end") return;
        const g = JSON.parse(e.data) as GroupMessage;
        if (!g.id) return;
        qc.setQueryData(["campaign", campaignId], g);
        const done = g.total_recipients - g.queued_count;
        const now = Date.now();
        if (last.current && now > last.current.at)
          setRate(((done - last.current.done) * 1000) / (now - last.current.at));
        last.current = { at: now, done };
      }),
    [campaignId, qc],
  );

  if (first.isPending) return <Loading what="the campaign" />;
  if (first.error) return <Failed error={first.error} />;
  const g = first.data;
  const pct = Math.round(progressOf(g) * 1000) / 10;
  const eta = rate && rate > 0 ? Math.round(g.queued_count / rate) : undefined;
  const counts: [string, number][] = [
    ["Waiting", g.queued_count],
    ["Sent", g.sent_count],
    ["Delivered", g.delivered_count],
    ["Read", g.read_count],
    ["Failed", g.failed_count],
    ["Skipped", g.skipped_count],
    ["Cancelled", g.cancelled_count],
  ];
  return (
    <div className="max-w-3xl">
      <PageTitle
        actions={(canChange ? (CAMPAIGN_ACTIONS[g.status] ?? []) : []).map((a) => (
          <button
            key={a.to}
            type="button"
            className="rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800"
            onClick={() => change.mutate({ id: g.id, status: a.to })}
          >
            {a.label}
          </button>
        ))}
      >
        {g.name ?? `Campaign ${g.id.slice(0, 8)}`}
      </PageTitle>
      {change.error ? <Failed error={change.error} /> : null}
      <p className="mb-2 text-sm">
        <span data-testid="campaign-status">
          <StatusBadge status={g.status} />
        </span>{" "}
        {g.total_recipients} recipients
      </p>
      <div
        role="progressbar"
        aria-label="Campaign progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        className="h-4 w-full overflow-hidden rounded bg-slate-200 dark:bg-slate-800"
      >
        {/* The width is set through the DOM (React's style property), which the CSP allows. */}
        <div className="h-full bg-indigo-600" style={{ width: `${pct}%` }} />
      </div>
      <p className="mt-1 text-sm" data-testid="campaign-progress">
        {pct} %{rate !== undefined ? ` · ${rate.toFixed(1)} / s` : ""}
        {eta !== undefined ? ` · about ${eta} s left` : ""}
      </p>
      <dl className="mt-6 grid grid-cols-2 gap-4 md:grid-cols-4">
        {counts.map(([label, n]) => (
          <div key={label} className="rounded-md border border-slate-200 p-3 dark:border-slate-700">
            <dt className="text-sm text-slate-700 dark:text-slate-300">{label}</dt>
            <dd className="text-xl font-semibold" data-testid={`count-${label.toLowerCase()}`}>
              {n}
            </dd>
          </div>
        ))}
      </dl>
      {g.failure_reason || Object.keys(g.skipped_reasons).length > 0 ? (
        <section className="mt-6">
          <h2 className="mb-2 text-lg font-semibold">Why recipients were not sent to</h2>
          <ul className="list-disc pl-6 text-sm">
            {g.failure_reason ? <li>{g.failure_reason}</li> : null}
            {Object.entries(g.skipped_reasons).map(([reason, n]) => (
              <li key={reason}>
                {reason}: {n}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
