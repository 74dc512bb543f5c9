/**
 * One conversation: its messages in both directions, oldest first, each outbound one with its
 * delivery status; a reply box (the API sends on the conversation's channel to its customer, and
 * reopens a closed conversation); the assignee; and open, pending or closed. Opening the thread
 * marks it read. The thread refreshes every few seconds, so the customer's next message and the
 * reply's delivery show without a reload.
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import type { components } from "../../../clients/typescript/index.js";
import { api, fieldError, unwrap } from "../api";
import { Button, PageTitle, TextField } from "../ui/controls";
import { Empty, Failed, Loading, StatusBadge } from "../ui/states";

type Conversation = components["schemas"]["Conversation"];
type Status = Conversation["status"];

/** The status changes offered from each status. */
const MOVES: Record<Status, { to: Status; label: string }[]> = {
  open: [
    { to: "pending", label: "Mark pending" },
    { to: "closed", label: "Close" },
  ],
  pending: [
    { to: "open", label: "Reopen" },
    { to: "closed", label: "Close" },
  ],
  closed: [{ to: "open", label: "Reopen" }],
};

export function ConversationThread() {
  const { conversationId: id } = useParams({ from: "/app/conversations/$conversationId" });
  const qc = useQueryClient();
  const conversation = useQuery({
    queryKey: ["conversation", id],
    queryFn: () => unwrap(api().GET("/v1/conversations/{id}", { params: { path: { id } } })),
    refetchInterval: 3_000,
  });
  const messages = useQuery({
    queryKey: ["conversation-messages", id],
    queryFn: () =>
      unwrap(api().GET("/v1/conversations/{id}/messages", { params: { path: { id }, query: { limit: 100 } } })),
    refetchInterval: 3_000,
  });
  const refresh = async () => {
    await qc.invalidateQueries({ queryKey: ["conversation", id] });
    await qc.invalidateQueries({ queryKey: ["conversation-messages", id] });
    await qc.invalidateQueries({ queryKey: ["conversations"] });
  };

  const unread = conversation.data?.unread_count ?? 0;
  useEffect(() => {
    if (unread > 0)
      void unwrap(api().POST("/v1/conversations/{id}/read", { params: { path: { id } } })).then(
        () => qc.invalidateQueries({ queryKey: ["conversation", id] }),
        () => undefined,
      );
  }, [id, unread, qc]);

  const [text, setText] = useState("");
  const reply = useMutation({
    mutationFn: () =>
      unwrap(api().POST("/v1/conversations/{id}/messages", { params: { path: { id } }, body: { message_body: text } })),
    onSuccess: async () => {
      setText("");
      await refresh();
    },
  });
  const update = useMutation({
    mutationFn: (body: { status?: Status; assignee?: string | null }) =>
      unwrap(api().PATCH("/v1/conversations/{id}", { params: { path: { id } }, body })),
    onSuccess: async (c) => {
      qc.setQueryData(["conversation", id], c);
      await refresh();
    },
  });

  if (conversation.isPending) return <Loading what="the conversation" />;
  if (conversation.error) return <Failed error={conversation.error} />;
  const c = conversation.data;
  return (
    <div className="max-w-3xl space-y-6">
      <PageTitle
        actions={MOVES[c.status].map((m) => (
          <Button key={m.to} variant="secondary" onClick={() => update.mutate({ status: m.to })}>
            {m.label}
          </Button>
        ))}
      >
        {c.participants.contact}
      </PageTitle>
      <p className="text-sm">
        <span data-testid="conversation-status">
          <StatusBadge status={c.status} />
        </span>{" "}
        {c.channel_type} · to {c.participants.channel}
        {c.care_window ? ` · care window ${c.care_window.open ? "open" : "closed"}` : ""}
      </p>
      {update.error && !fieldError(update.error, "assignee") ? <Failed error={update.error} /> : null}
      <Assignee
        key={c.assignee ?? ""}
        current={c.assignee}
        error={fieldError(update.error, "assignee")}
        onAssign={(assignee) => update.mutate({ assignee })}
      />
      <section aria-label="Messages">
        {messages.isPending ? (
          <Loading what="messages" />
        ) : messages.error ? (
          <Failed error={messages.error} />
        ) : messages.data.items.length === 0 ? (
          <Empty>No messages in this conversation.</Empty>
        ) : (
          <ol className="space-y-2" data-testid="thread">
            {messages.data.items.map((m) => (
              <li
                key={m.id}
                className={`max-w-[80%] rounded-md border p-3 text-sm ${
                  m.direction === "inbound"
                    ? "border-slate-300 bg-white dark:border-slate-600 dark:bg-slate-900"
                    : "ml-auto border-indigo-200 bg-indigo-50 dark:border-indigo-800 dark:bg-indigo-950"
                }`}
              >
                <p className="whitespace-pre-wrap">{m.message_body}</p>
                <p className="mt-1 text-xs text-slate-700 dark:text-slate-300">
                  {m.direction === "inbound" ? "customer" : "us"} · {new Date(m.created_at).toLocaleString()}
                  {m.direction === "outbound" ? (
                    <>
                      {" "}
                      · <StatusBadge status={m.status} />
                    </>
                  ) : null}
                </p>
              </li>
            ))}
          </ol>
        )}
      </section>
      <form
        className="space-y-2"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          reply.mutate();
        }}
      >
        <label className="block text-sm font-medium">
          Reply
          <textarea
            name="message_body"
            rows={3}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={Boolean(fieldError(reply.error, "message_body"))}
            className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100"
          />
        </label>
        {reply.error ? (
          fieldError(reply.error, "message_body") ? (
            <p role="alert" className="text-sm text-red-700 dark:text-red-400">
              {fieldError(reply.error, "message_body")}
            </p>
          ) : (
            <Failed error={reply.error} />
          )
        ) : null}
        <Button type="submit" disabled={reply.isPending || text.trim() === ""}>
          Send reply
        </Button>
      </form>
    </div>
  );
}

function Assignee(p: { current: string | null; error: string | undefined; onAssign: (a: string | null) => void }) {
  const [value, setValue] = useState(p.current ?? "");
  return (
    <form
      className="flex items-end gap-2"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        p.onAssign(value.trim() || null);
      }}
    >
      <div className="w-64">
        <TextField label="Assignee" name="assignee" value={value} onChange={setValue} error={p.error} />
      </div>
      <Button type="submit" variant="secondary">
        {value.trim() ? "Assign" : "Unassign"}
      </Button>
    </form>
  );
}
