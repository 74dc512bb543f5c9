/**
 * One message and its event timeline (queued → sending → sent → delivered, with times, attempts,
 * provider ids and errors). Polled every second until the message reaches a final status.
 */

import { useQuery } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { api, unwrap } from "../api";
import { PageTitle } from "../ui/controls";
import { Empty, Failed, Loading, StatusBadge } from "../ui/states";

const FINAL = new Set(["delivered", "read", "failed", "cancelled", "skipped"]);

export function MessageDetail() {
  const { messageId } = useParams({ from: "/app/messages/$messageId" });
  const message = useQuery({
    queryKey: ["message", messageId],
    queryFn: () => unwrap(api().GET("/v1/messages/{id}", { params: { path: { id: messageId } } })),
    refetchInterval: (q) => (q.state.data && FINAL.has(q.state.data.status) ? false : 1000),
  });
  const events = useQuery({
    queryKey: ["message-events", messageId, message.data?.status],
    queryFn: () => unwrap(api().GET("/v1/messages/{id}/events", { params: { path: { id: messageId } } })),
    enabled: Boolean(message.data),
  });
  if (message.isPending) return <Loading what="the message" />;
  if (message.error) return <Failed error={message.error} />;
  const m = message.data;
  return (
    <div className="max-w-3xl">
      <PageTitle>Message to {m.delivery_address}</PageTitle>
      <dl className="mb-6 grid grid-cols-2 gap-x-6 gap-y-2 text-sm">
        <dt className="font-medium">Status</dt>
        <dd data-testid="message-status">
          <StatusBadge status={m.status} />
        </dd>
        <dt className="font-medium">Channel type</dt>
        <dd>{m.channel_type}</dd>
        <dt className="font-medium">Attempts</dt>
        <dd>{m.attempts}</dd>
        <dt className="font-medium">Provider id</dt>
        <dd>{m.provider_message_id ?? "–"}</dd>
        {m.error_code ? (
          <>
            <dt className="font-medium">Error</dt>
            <dd>
              {m.error_code}: {m.error_message}
            </dd>
          </>
        ) : null}
        <dt className="font-medium">Body</dt>
        <dd className="whitespace-pre-wrap">{m.message_body}</dd>
      </dl>
      <h2 className="mb-2 text-lg font-semibold">Timeline</h2>
      {events.isPending ? (
        <Loading what="events" />
      ) : events.error ? (
        <Failed error={events.error} />
      ) : events.data.items.length === 0 ? (
        <Empty>No events yet.</Empty>
      ) : (
        <ol className="border-l-2 border-indigo-300 pl-4 dark:border-indigo-700" data-testid="timeline">
          {events.data.items.map((e) => (
            <li key={e.id} className="mb-3">
              <p className="text-sm font-medium">
                {e.from_status ?? "–"} → {e.to_status ?? e.event_type}
              </p>
              <p className="text-xs text-slate-700 dark:text-slate-300">
                <time dateTime={e.created_at}>{new Date(e.created_at).toLocaleString()}</time>
                {Object.keys(e.event_data).length > 0 ? ` · ${JSON.stringify(e.event_data)}` : ""}
              </p>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
