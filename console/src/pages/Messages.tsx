/**
 * Messages: filters that build the API's filter grammar (field:op:value, ANDed), a sort and
 * paging, all kept in the URL's search params so a view can be shared or bookmarked.
 */

import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { z } from "zod";
import { api, unwrap } from "../api";
import { PageTitle, SelectField, TextField } from "../ui/controls";
import { Empty, Failed, Loading, StatusBadge } from "../ui/states";

export const messageSearch = z.object({
  status: z.string().optional().catch(undefined),
  direction: z.string().optional().catch(undefined),
  channel_id: z.string().optional().catch(undefined),
  text: z.string().optional().catch(undefined),
  from: z.string().optional().catch(undefined),
  to: z.string().optional().catch(undefined),
  sort: z.enum(["created_at:desc", "created_at:asc", "updated_at:desc", "status:asc"]).optional().catch(undefined),
  skip: z.coerce.number().int().min(0).optional().catch(undefined),
});
export type MessageSearch = z.infer<typeof messageSearch>;

const PAGE = 25;
const STATUSES = ["queued", "sending", "sent", "delivered", "read", "failed", "cancelled", "skipped"];

/** The API's filter parameters for a view: one filter per field (the grammar refuses a field twice). */
export function filtersOf(s: MessageSearch): string[] {
  const f: string[] = [];
  if (s.status) f.push(`status:eq:${s.status}`);
  if (s.direction) f.push(`direction:eq:${s.direction}`);
  if (s.channel_id) f.push(`channel_id:eq:${s.channel_id}`);
  if (s.text) f.push(`message_body:icontains:${s.text}`);
  const iso = (d: string) => new Date(d).toISOString();
  if (s.from && s.to) f.push(`created_at:range:${iso(s.from)},${iso(s.to)}`);
  else if (s.from) f.push(`created_at:ge:${iso(s.from)}`);
  else if (s.to) f.push(`created_at:le:${iso(s.to)}`);
  return f;
}

export function Messages() {
  const search = useSearch({ from: "/app/messages" });
  const navigate = useNavigate({ from: "/messages" });
  const set = (patch: Partial<MessageSearch>) =>
    void navigate({
      search: (old: MessageSearch) => ({ ...old, ...patch, skip: patch.skip ?? undefined }),
      replace: true,
    });

  const channels = useQuery({
    queryKey: ["channels"],
    queryFn: () => unwrap(api().GET("/v1/channels", { params: { query: { limit: 100 } } })),
  });
  const list = useQuery({
    queryKey: ["messages", search],
    queryFn: () =>
      unwrap(
        api().GET("/v1/messages", {
          params: {
            query: {
              filter: filtersOf(search),
              sort: search.sort ?? "created_at:desc",
              limit: PAGE,
              skip: search.skip ?? 0,
            } as never,
          },
        }),
      ),
    placeholderData: (prev) => prev,
  });
  const skip = search.skip ?? 0;

  return (
    <div>
      <PageTitle>Messages</PageTitle>
      <form role="search" className="mb-4 grid grid-cols-2 gap-3 md:grid-cols-4" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label="Status"
          name="status"
          value={search.status ?? ""}
          onChange={(v) => set({ status: v || undefined })}
          options={[{ value: "", label: "Any" }, ...STATUSES.map((s) => ({ value: s, label: s }))]}
        />
        <SelectField
          label="Direction"
          name="direction"
          value={search.direction ?? ""}
          onChange={(v) => set({ direction: v || undefined })}
          options={[
            { value: "", label: "Any" },
            { value: "outbound", label: "outbound" },
            { value: "inbound", label: "inbound" },
          ]}
        />
        <SelectField
          label="Channel"
          name="channel_id"
          value={search.channel_id ?? ""}
          onChange={(v) => set({ channel_id: v || undefined })}
          options={[
            { value: "", label: "Any" },
            ...(channels.data?.items ?? []).map((c) => ({ value: c.id, label: c.name })),
          ]}
        />
        <SelectField
          label="Sort"
          name="sort"
          value={search.sort ?? "created_at:desc"}
          onChange={(v) => set({ sort: v as MessageSearch["sort"] })}
          options={[
            { value: "created_at:desc", label: "Newest first" },
            { value: "created_at:asc", label: "Oldest first" },
            { value: "updated_at:desc", label: "Recently changed" },
            { value: "status:asc", label: "Status" },
          ]}
        />
        <TextField
          label="Text contains"
          name="text"
          value={search.text ?? ""}
          onChange={(v) => set({ text: v || undefined })}
        />
        <TextField
          label="Created from"
          name="from"
          type="datetime-local"
          value={search.from ?? ""}
          onChange={(v) => set({ from: v || undefined })}
        />
        <TextField
          label="Created to"
          name="to"
          type="datetime-local"
          value={search.to ?? ""}
          onChange={(v) => set({ to: v || undefined })}
        />
      </form>
      {list.isPending ? (
        <Loading what="messages" />
      ) : list.error ? (
        <Failed error={list.error} />
      ) : list.data.items.length === 0 ? (
        <Empty>No messages match these filters.</Empty>
      ) : (
        <>
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-300 dark:border-slate-600">
              <tr>
                <th className="py-2">Created</th>
                <th>To</th>
                <th>Type</th>
                <th>Status</th>
                <th>Body</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((m) => (
                <tr key={m.id} className="border-b border-slate-200 dark:border-slate-800">
                  <td className="py-2">
                    <Link
                      to="/messages/$messageId"
                      params={{ messageId: m.id }}
                      className="text-indigo-700 underline dark:text-indigo-300"
                    >
                      {new Date(m.created_at).toLocaleString()}
                    </Link>
                  </td>
                  <td>{m.delivery_address}</td>
                  <td>{m.channel_type}</td>
                  <td>
                    <StatusBadge status={m.status} />
                  </td>
                  <td className="max-w-xs truncate">{m.message_body}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav aria-label="Pages" className="mt-4 flex items-center gap-4 text-sm">
            <button
              type="button"
              disabled={skip === 0}
              onClick={() => set({ skip: Math.max(0, skip - PAGE) || undefined })}
              className="underline disabled:opacity-50"
            >
              Previous
            </button>
            <span>
              {skip + 1}–{skip + list.data.items.length} of {list.data.total}
              {list.data.total_capped ? "+" : ""}
            </span>
            <button
              type="button"
              disabled={skip + PAGE >= list.data.total}
              onClick={() => set({ skip: skip + PAGE })}
              className="underline disabled:opacity-50"
            >
              Next
            </button>
          </nav>
        </>
      )}
    </div>
  );
}
