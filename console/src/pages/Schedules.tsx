/**
 * Scheduled sends: when each fires next, its rule, and pause, resume and cancel as the lifecycle
 * allows; managers and admins create new ones.
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api, unwrap } from "../api";
import { useCan } from "../permissions";
import { PageTitle, RowActions } from "../ui/controls";
import { Empty, Failed, Loading, StatusBadge } from "../ui/states";

type Target = "pending" | "paused" | "cancelled";

/** The changes a client may ask for from each status (the scheduled message lifecycle). */
const ACTIONS: Record<string, { to: Target; label: string }[]> = {
  pending: [
    { to: "paused", label: "Pause" },
    { to: "cancelled", label: "Cancel" },
  ],
  paused: [
    { to: "pending", label: "Resume" },
    { to: "cancelled", label: "Cancel" },
  ],
};

export function Schedules() {
  const qc = useQueryClient();
  const canChange = useCan("manage");
  const list = useQuery({
    queryKey: ["schedules"],
    queryFn: () => unwrap(api().GET("/v1/scheduled-messages", { params: { query: { limit: 100 } } })),
  });
  const change = useMutation({
    mutationFn: ({ id, status }: { id: string; status: Target }) =>
      unwrap(api().PATCH("/v1/scheduled-messages/{id}", { params: { path: { id } }, body: { status } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["schedules"] }),
  });
  return (
    <div>
      <PageTitle
        actions={
          canChange ? (
            <Link
              to="/schedules/new"
              className="rounded-md bg-indigo-700 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-800"
            >
              New schedule
            </Link>
          ) : undefined
        }
      >
        Schedules
      </PageTitle>
      {change.error ? <Failed error={change.error} /> : null}
      {list.isPending ? (
        <Loading what="schedules" />
      ) : list.error ? (
        <Failed error={list.error} />
      ) : list.data.items.length === 0 ? (
        <Empty>Nothing scheduled.</Empty>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="border-b border-slate-300 dark:border-slate-600">
            <tr>
              <th className="py-2">Schedule</th>
              <th>Kind</th>
              <th>Status</th>
              <th>Next</th>
              <th>Rule</th>
              <th>Triggered</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((s) => {
              const label = s.name ?? s.id.slice(0, 8);
              return (
                <tr key={s.id} className="border-b border-slate-200 dark:border-slate-800">
                  <td className="py-2">{label}</td>
                  <td>{s.send_type}</td>
                  <td>
                    <StatusBadge status={s.status} />
                  </td>
                  <td>{s.next_trigger_at ? new Date(s.next_trigger_at).toLocaleString() : "–"}</td>
                  <td>{s.is_recurring ? `${s.recurrence_rule ?? ""} (${s.timezone})` : "once"}</td>
                  <td>{s.trigger_count}</td>
                  <RowActions
                    actions={canChange ? (ACTIONS[s.status] ?? []) : []}
                    rowLabel={label}
                    onChange={(to) => change.mutate({ id: s.id, status: to })}
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
