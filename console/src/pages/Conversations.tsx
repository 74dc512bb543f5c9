/**
 * The inbox: conversations (one channel, one customer, both directions), latest activity first,
 * narrowed by status, with each one's unread count and assignee. A conversation opens as its
 * thread (ConversationThread.tsx). The list refreshes every few seconds: inbound messages arrive
 * without the operator doing anything.
 */

import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../api";
import { PageTitle, SelectField } from "../ui/controls";
import { Empty, Failed, Loading, StatusBadge } from "../ui/states";

const STATUSES = ["open", "pending", "closed"];

export function Conversations() {
  const [status, setStatus] = useState("");
  const list = useQuery({
    queryKey: ["conversations", status],
    queryFn: () =>
      unwrap(
        api().GET("/v1/conversations", {
          params: { query: { limit: 50, ...(status ? { filter: [`status:eq:${status}`] } : {}) } as never },
        }),
      ),
    refetchInterval: 3_000,
    placeholderData: (prev) => prev,
  });
  return (
    <div>
      <PageTitle>Conversations</PageTitle>
      <form role="search" className="mb-4 max-w-xs" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label="Status"
          name="status"
          value={status}
          onChange={setStatus}
          options={[{ value: "", label: "Any" }, ...STATUSES.map((s) => ({ value: s, label: s }))]}
        />
      </form>
      {list.isPending ? (
        <Loading what="conversations" />
      ) : list.error ? (
        <Failed error={list.error} />
      ) : list.data.items.length === 0 ? (
        <Empty>
          {status ? `No ${status} conversations.` : "No conversations yet: they start when a customer writes."}
        </Empty>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="border-b border-slate-300 dark:border-slate-600">
            <tr>
              <th className="py-2">Customer</th>
              <th>Channel</th>
              <th>Status</th>
              <th>Unread</th>
              <th>Assignee</th>
              <th>Last message</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((c) => (
              <tr key={c.id} className="border-b border-slate-200 dark:border-slate-800">
                <td className="py-2">
                  <Link
                    to="/conversations/$conversationId"
                    params={{ conversationId: c.id }}
                    className={`text-indigo-700 underline dark:text-indigo-300 ${c.unread_count > 0 ? "font-semibold" : ""}`}
                  >
                    {c.participants.contact}
                  </Link>
                </td>
                <td>{c.channel_type}</td>
                <td>
                  <StatusBadge status={c.status} />
                </td>
                <td data-testid={`unread-${c.participants.contact}`}>{c.unread_count}</td>
                <td>{c.assignee ?? "–"}</td>
                <td>{c.last_message_at ? new Date(c.last_message_at).toLocaleString() : "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
