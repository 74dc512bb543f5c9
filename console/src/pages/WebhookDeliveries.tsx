/**
 * One webhook endpoint's deliveries, newest first, a page at a time: the event, its status, the
 * attempts with the endpoint's last answer, and a retry that sends it again now.
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../api";
import { Button, PageTitle } from "../ui/controls";
import { Empty, Failed, Loading, StatusBadge } from "../ui/states";

export function WebhookDeliveries() {
  const { endpointId: id } = useParams({ from: "/app/webhook-endpoints/$endpointId" });
  const qc = useQueryClient();
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors.at(-1);
  const endpoint = useQuery({
    queryKey: ["webhook-endpoint", id],
    queryFn: () => unwrap(api().GET("/v1/webhook-endpoints/{id}", { params: { path: { id } } })),
  });
  const list = useQuery({
    queryKey: ["webhook-deliveries", id, after],
    queryFn: () =>
      unwrap(
        api().GET("/v1/webhook-endpoints/{id}/deliveries", {
          params: { path: { id }, query: { limit: 50, ...(after ? { starting_after: after } : {}) } },
        }),
      ),
    refetchInterval: 5_000,
  });
  const retry = useMutation({
    mutationFn: (deliveryId: string) =>
      unwrap(
        api().POST("/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry", {
          params: { path: { id, deliveryId } },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["webhook-deliveries", id] }),
  });

  return (
    <div className="max-w-5xl space-y-4">
      <PageTitle>Deliveries{endpoint.data ? ` to ${endpoint.data.url}` : ""}</PageTitle>
      {endpoint.error ? <Failed error={endpoint.error} /> : null}
      {retry.error ? <Failed error={retry.error} /> : null}
      {list.isPending ? (
        <Loading what="deliveries" />
      ) : list.error ? (
        <Failed error={list.error} />
      ) : list.data.items.length === 0 ? (
        <Empty>No deliveries yet.</Empty>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="border-b border-slate-300 dark:border-slate-600">
            <tr>
              <th className="py-2">Event</th>
              <th>Status</th>
              <th>Attempts</th>
              <th>Last answer</th>
              <th>Created</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((d) => (
              <tr key={d.id} className="border-b border-slate-200 dark:border-slate-800">
                <td className="py-2">
                  {d.event_type}
                  <code className="block text-xs">{d.event_id}</code>
                </td>
                <td>
                  <StatusBadge status={d.status} />
                </td>
                <td>{d.attempts}</td>
                <td>{d.last_status_code ?? d.last_error_code ?? "–"}</td>
                <td>{new Date(d.created_at).toLocaleString()}</td>
                <td className="text-right">
                  <button
                    type="button"
                    className="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800"
                    onClick={() => retry.mutate(d.id)}
                    aria-label={`Retry delivery ${d.id}`}
                  >
                    Retry
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="flex gap-2">
        {cursors.length > 0 ? (
          <Button variant="secondary" onClick={() => setCursors((c) => c.slice(0, -1))}>
            Newer
          </Button>
        ) : null}
        {list.data?.next_cursor ? (
          <Button variant="secondary" onClick={() => setCursors((c) => [...c, list.data.next_cursor!])}>
            Older
          </Button>
        ) : null}
      </div>
    </div>
  );
}
