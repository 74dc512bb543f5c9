/** Campaigns (group messages): the list with progress, and pause, resume and cancel where the lifecycle allows. */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api, unwrap } from "../api";
import { useCan } from "../permissions";
import { PageTitle, RowActions } from "../ui/controls";
import { Empty, Failed, Loading, StatusBadge } from "../ui/states";

export type CampaignTarget = "queued" | "paused" | "cancelled";

/** The changes a client may ask for from each status (the group message lifecycle). */
export const CAMPAIGN_ACTIONS: Record<string, { to: CampaignTarget; label: string }[]> = {
  draft: [
    { to: "queued", label: "Start" },
    { to: "cancelled", label: "Cancel" },
  ],
  queued: [
    { to: "paused", label: "Pause" },
    { to: "cancelled", label: "Cancel" },
  ],
  processing: [
    { to: "paused", label: "Pause" },
    { to: "cancelled", label: "Cancel" },
  ],
  paused: [
    { to: "queued", label: "Resume" },
    { to: "cancelled", label: "Cancel" },
  ],
};

export function useCampaignChange() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, status }: { id: string; status: CampaignTarget }) =>
      unwrap(api().PATCH("/v1/group-messages/{id}", { params: { path: { id } }, body: { status } })),
    onSuccess: (g) => {
      qc.setQueryData(["campaign", g.id], g);
      return qc.invalidateQueries({ queryKey: ["campaigns"] });
    },
  });
}

/** Settled share of the recipients: every message that is no longer waiting for a provider. */
export function progressOf(g: { total_recipients: number; queued_count: number; skipped_count: number }): number {
  if (g.total_recipients === 0) return 0;
  return Math.min(1, Math.max(0, (g.total_recipients - g.queued_count) / g.total_recipients));
}

export function Campaigns() {
  const list = useQuery({
    queryKey: ["campaigns"],
    queryFn: () => unwrap(api().GET("/v1/group-messages", { params: { query: { limit: 50 } } })),
    refetchInterval: 5_000,
  });
  const change = useCampaignChange();
  // Creating and changing a campaign need the manage permission; other roles watch.
  const canCreate = useCan("manage");
  return (
    <div>
      <PageTitle
        actions={
          canCreate ? (
            <Link
              to="/campaigns/new"
              className="rounded-md bg-indigo-700 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-800"
            >
              New campaign
            </Link>
          ) : undefined
        }
      >
        Campaigns
      </PageTitle>
      {change.error ? <Failed error={change.error} /> : null}
      {list.isPending ? (
        <Loading what="campaigns" />
      ) : list.error ? (
        <Failed error={list.error} />
      ) : list.data.items.length === 0 ? (
        <Empty>No campaigns yet. Create one with the wizard.</Empty>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="border-b border-slate-300 dark:border-slate-600">
            <tr>
              <th className="py-2">Campaign</th>
              <th>Status</th>
              <th>Recipients</th>
              <th>Progress</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((g) => {
              const label = g.name ?? g.id.slice(0, 8);
              return (
                <tr key={g.id} className="border-b border-slate-200 dark:border-slate-800">
                  <td className="py-2">
                    <Link
                      to="/campaigns/$campaignId"
                      params={{ campaignId: g.id }}
                      className="text-indigo-700 underline dark:text-indigo-300"
                    >
                      {label}
                    </Link>
                  </td>
                  <td>
                    <StatusBadge status={g.status} />
                  </td>
                  <td>{g.total_recipients}</td>
                  <td>{Math.round(progressOf(g) * 100)} %</td>
                  <RowActions
                    actions={canCreate ? (CAMPAIGN_ACTIONS[g.status] ?? []) : []}
                    rowLabel={label}
                    onChange={(to) => change.mutate({ id: g.id, status: to })}
                  />
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
