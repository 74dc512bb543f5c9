/**
 * Webhook endpoints (admins): the account's HTTPS endpoints with the event types each receives and
 * whether it is enabled (and why the platform disabled it), a new endpoint whose signing secret is
 * shown once, enable and disable, and each endpoint's deliveries (WebhookDeliveries.tsx).
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import type { operations } from "../../../clients/typescript/index.js";
import { api, ApiProblem, fieldError, unwrap } from "../api";
import { Button, PageTitle, TextField } from "../ui/controls";
import { Empty, Failed, Loading, StatusBadge } from "../ui/states";

type EventType =
  operations["createWebhookEndpoint"]["requestBody"]["content"]["application/json"]["event_types"][number];
/** Every event type, each once: a record keyed by the API's own type fails to compile when one is missing or unknown. */
const EVENTS: Record<EventType, string> = {
  "message.status": "a message's status changed",
  "message.received": "an inbound message arrived",
  "campaign.progress": "a campaign progressed",
  "campaign.completed": "a campaign finished",
  "channel.status": "a channel's status changed",
  "conversation.created": "a conversation started",
  "conversation.updated": "a conversation changed (status, assignee, read)",
};

export function WebhookEndpoints() {
  const qc = useQueryClient();
  const list = useQuery({
    queryKey: ["webhook-endpoints"],
    queryFn: () => unwrap(api().GET("/v1/webhook-endpoints", { params: { query: { limit: 100 } } })),
  });
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<EventType[]>(["message.status"]);
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api().POST("/v1/webhook-endpoints", {
          body: { url, event_types: events, ...(description ? { description } : {}) },
        }),
      ),
    onSuccess: async () => {
      setUrl("");
      setDescription("");
      await qc.invalidateQueries({ queryKey: ["webhook-endpoints"] });
    },
  });
  const toggle = useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) =>
      unwrap(api().PATCH("/v1/webhook-endpoints/{id}", { params: { path: { id } }, body: { enabled } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["webhook-endpoints"] }),
  });
  const placed =
    create.error instanceof ApiProblem && ["url", "event_types", "description"].includes(create.error.field ?? "");

  return (
    <div className="max-w-5xl space-y-6">
      <PageTitle>Webhook endpoints</PageTitle>
      {toggle.error ? <Failed error={toggle.error} /> : null}
      {list.isPending ? (
        <Loading what="webhook endpoints" />
      ) : list.error ? (
        <Failed error={list.error} />
      ) : list.data.items.length === 0 ? (
        <Empty>No webhook endpoints: add one to receive events at your own URL.</Empty>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="border-b border-slate-300 dark:border-slate-600">
            <tr>
              <th className="py-2">URL</th>
              <th>Events</th>
              <th>State</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((e) => (
              <tr key={e.id} className="border-b border-slate-200 dark:border-slate-800">
                <td className="py-2">
                  <Link
                    to="/webhook-endpoints/$endpointId"
                    params={{ endpointId: e.id }}
                    className="break-all text-indigo-700 underline dark:text-indigo-300"
                  >
                    {e.url}
                  </Link>
                  {e.description ? <span className="block text-xs">{e.description}</span> : null}
                </td>
                <td>{e.event_types.join(", ")}</td>
                <td>
                  <StatusBadge status={e.enabled ? "active" : "paused"} />
                  {e.disabled_reason ? <span className="block text-xs">{e.disabled_reason}</span> : null}
                </td>
                <td className="text-right">
                  <button
                    type="button"
                    className="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800"
                    onClick={() => toggle.mutate({ id: e.id, enabled: !e.enabled })}
                    aria-label={`${e.enabled ? "Disable" : "Enable"} ${e.url}`}
                  >
                    {e.enabled ? "Disable" : "Enable"}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="max-w-2xl space-y-4"
        noValidate
        aria-labelledby="new-endpoint"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <h2 id="new-endpoint" className="text-lg font-semibold">
          New endpoint
        </h2>
        <TextField
          label="URL"
          name="url"
          value={url}
          onChange={setUrl}
          placeholder="https://example.com/turumba/events"
          error={fieldError(create.error, "url")}
        />
        <TextField
          label="Description"
          name="description"
          value={description}
          onChange={setDescription}
          error={fieldError(create.error, "description")}
        />
        <fieldset>
          <legend className="text-sm font-medium">Events</legend>
          {(Object.keys(EVENTS) as EventType[]).map((t) => (
            <label key={t} className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                checked={events.includes(t)}
                onChange={(e) => setEvents((all) => (e.target.checked ? [...all, t] : all.filter((x) => x !== t)))}
              />
              <code>{t}</code> — {EVENTS[t]}
            </label>
          ))}
          {fieldError(create.error, "event_types") ? (
            <p role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
              {fieldError(create.error, "event_types")}
            </p>
          ) : null}
        </fieldset>
        {create.error && !placed ? <Failed error={create.error} /> : null}
        {create.data ? (
          <p
            role="status"
            className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-700 dark:bg-amber-950"
          >
            Signing secret for {create.data.url} (shown once, keep it now): <code>{create.data.secret}</code>
          </p>
        ) : null}
        <Button type="submit" disabled={create.isPending}>
          Add endpoint
        </Button>
      </form>
    </div>
  );
}
