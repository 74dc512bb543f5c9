/**
 * The account's channels with their status, and the status changes an operator makes from the list.
 * Creating, editing and changing a channel are the admin's: other roles see the list only.
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api, unwrap } from "../api";
import { useCan } from "../permissions";
import { PageTitle, RowActions } from "../ui/controls";
import { Empty, Failed, Loading, StatusBadge } from "../ui/states";

/** The status changes the API accepts from each status (the channel lifecycle). */
const ACTIONS: Record<string, { to: string; label: string }[]> = {
  active: [
    { to: "paused", label: "Pause" },
    { to: "draining", label: "Drain" },
  ],
  paused: [{ to: "active", label: "Resume" }],
  draining: [{ to: "active", label: "Resume" }],
  error: [{ to: "active", label: "Resume" }],
  disabled: [{ to: "active", label: "Enable" }],
};

export function Channels() {
  const qc = useQueryClient();
  const admin = useCan("admin");
  const list = useQuery({
    queryKey: ["channels"],
    queryFn: () => unwrap(api().GET("/v1/channels", { params: { query: { limit: 100 } } })),
  });
  const change = useMutation({
    mutationFn: ({ id, status }: { id: string; status: string }) =>
      unwrap(
        api().PATCH("/v1/channels/{id}", {
          params: { path: { id } },
          body: { status: status as "active" | "paused" | "draining" | "disabled" },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["channels"] }),
  });

  return (
    <div>
      <PageTitle
        actions={
          admin ? (
            <Link
              to="/channels/new"
              className="rounded-md bg-indigo-700 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-800"
            >
              New channel
            </Link>
          ) : undefined
        }
      >
        Channels
      </PageTitle>
      {change.error ? <Failed error={change.error} /> : null}
      {list.isPending ? (
        <Loading what="channels" />
      ) : list.error ? (
        <Failed error={list.error} />
      ) : list.data.items.length === 0 ? (
        <Empty>No channels yet. Create one to start sending.</Empty>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="border-b border-slate-300 dark:border-slate-600">
            <tr>
              <th className="py-2">Name</th>
              <th>Type</th>
              <th>Provider</th>
              <th>Status</th>
              <th>Rate / min</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((c) => (
              <tr key={c.id} className="border-b border-slate-200 dark:border-slate-800">
                <td className="py-2">
                  {admin ? (
                    <Link
                      to="/channels/$channelId"
                      params={{ channelId: c.id }}
                      className="text-indigo-700 underline dark:text-indigo-300"
                    >
                      {c.name}
                    </Link>
                  ) : (
                    c.name
                  )}
                </td>
                <td>{c.channel_type}</td>
                <td>{c.provider}</td>
                <td>
                  <StatusBadge status={c.status} />
                </td>
                <td>{c.rate_limit}</td>
                <RowActions
                  actions={admin ? (ACTIONS[c.status] ?? []) : []}
                  rowLabel={c.name}
                  onChange={(to) => change.mutate({ id: c.id, status: to })}
                />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
