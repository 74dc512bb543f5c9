/**
 * Dead letters (admins): the events of your accounts that the pipeline gave up on, newest first,
 * narrowed by topic; each one's event text to inspect, and re-queue, which publishes it to its
 * topic again unchanged and takes it off the list. An event that still cannot be handled comes
 * back with a new id.
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { components } from "../../../clients/typescript/index.js";
import { DEAD_LETTER_TOPICS } from "../../../core/dead-letters.js";
import { api, unwrap } from "../api";
import { PageTitle, SelectField } from "../ui/controls";
import { Empty, Failed, Loading } from "../ui/states";

type DeadLetter = components["schemas"]["DeadLetter"];
type Topic = DeadLetter["topic"];

/** Every topic but the pipeline probes', whose events name no account. */
const TOPICS: Topic[] = DEAD_LETTER_TOPICS.filter((t) => t !== "pipeline.probe");

/** The event's text indented, when it is whole JSON; as kept otherwise. */
function pretty(data: string): string {
  try {
    return JSON.stringify(JSON.parse(data), null, 2);
  } catch {
    return data;
  }
}

export function DeadLetters() {
  const qc = useQueryClient();
  const [topic, setTopic] = useState<Topic | "">("");
  const list = useQuery({
    queryKey: ["dead-letters", topic],
    queryFn: () =>
      unwrap(api().GET("/v1/dead-letters", { params: { query: { limit: 100, ...(topic ? { topic } : {}) } } })),
    refetchInterval: 5_000,
  });
  const requeue = useMutation({
    mutationFn: (d: DeadLetter) =>
      unwrap(
        api().POST("/v1/dead-letters/{topic}/{eventId}/requeue", {
          params: { path: { topic: d.topic, eventId: d.event_id } },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["dead-letters"] }),
  });
  return (
    <div className="max-w-5xl">
      <PageTitle>Dead letters</PageTitle>
      <form role="search" className="mb-4 max-w-sm" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label="Topic"
          name="topic"
          value={topic}
          onChange={(v) => setTopic(v as Topic | "")}
          options={[{ value: "", label: "Every topic" }, ...TOPICS.map((t) => ({ value: t, label: t }))]}
        />
      </form>
      {requeue.error ? <Failed error={requeue.error} /> : null}
      {list.isPending ? (
        <Loading what="dead letters" />
      ) : list.error ? (
        <Failed error={list.error} />
      ) : list.data.items.length === 0 ? (
        <Empty>No dead letters: every event of your accounts was handled.</Empty>
      ) : (
        <>
          <p className="mb-2 text-sm" data-testid="dead-letter-total">
            {list.data.total} dead letter{list.data.total === 1 ? "" : "s"}
          </p>
          <ul className="space-y-2">
            {list.data.items.map((d) => (
              <li
                key={`${d.topic}/${d.event_id}`}
                className="rounded-md border border-slate-200 p-3 text-sm dark:border-slate-700"
                data-testid="dead-letter"
              >
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <span>
                    <span className="font-medium">{d.topic}</span> · {new Date(d.received_at).toLocaleString()} ·{" "}
                    <code>{d.event_id}</code>
                  </span>
                  <button
                    type="button"
                    disabled={d.truncated || requeue.isPending}
                    title={d.truncated ? "The kept text was cut: it cannot be published again" : undefined}
                    className="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 disabled:opacity-60 dark:border-slate-600 dark:hover:bg-slate-800"
                    onClick={() => requeue.mutate(d)}
                    aria-label={`Re-queue ${d.event_id}`}
                  >
                    Re-queue
                  </button>
                </div>
                <details className="mt-2">
                  <summary className="cursor-pointer">Inspect{d.truncated ? " (cut)" : ""}</summary>
                  <pre className="mt-2 max-h-80 overflow-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-900">
                    {pretty(d.data)}
                  </pre>
                </details>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
