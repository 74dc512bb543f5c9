/**
 * Suppressions: addresses no message goes to (opt-outs by keyword or at the provider, hard bounces,
 * complaints, and the ones added by hand), newest first, narrowed by scope; add one by hand, with
 * the API's error beside the field it names, and lift one.
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { components } from "../../../clients/typescript/index.js";
import { api, ApiProblem, fieldError, unwrap } from "../api";
import { useCan } from "../permissions";
import { Button, PageTitle, SelectField, TextField } from "../ui/controls";
import { Empty, Failed, Loading } from "../ui/states";

type Scope = components["schemas"]["Suppression"]["scope"];
const SCOPES: Scope[] = ["all", "sms", "whatsapp", "telegram", "messenger", "email"];

export function Suppressions() {
  const qc = useQueryClient();
  const [scope, setScope] = useState<Scope | "">("");
  const list = useQuery({
    queryKey: ["suppressions", scope],
    queryFn: () =>
      unwrap(
        api().GET("/v1/suppressions", {
          params: { query: { limit: 100, ...(scope ? { filter: [`scope:eq:${scope}`] } : {}) } as never },
        }),
      ),
    placeholderData: (prev) => prev,
  });
  const [address, setAddress] = useState("");
  const [newScope, setNewScope] = useState<Scope>("all");
  const [note, setNote] = useState("");
  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api().POST("/v1/suppressions", {
          body: { address, scope: newScope, reason: "manual", ...(note ? { note } : {}) },
        }),
      ),
    onSuccess: async () => {
      setAddress("");
      setNote("");
      await qc.invalidateQueries({ queryKey: ["suppressions"] });
    },
  });
  const lift = useMutation({
    mutationFn: (id: string) => unwrap(api().DELETE("/v1/suppressions/{id}", { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["suppressions"] }),
  });
  // Suppressing and lifting need the manager role; a user sees the list.
  const canChange = useCan("manage");
  const placed = add.error instanceof ApiProblem && ["address", "scope", "note"].includes(add.error.field ?? "");

  return (
    <div className="max-w-5xl space-y-6">
      <PageTitle>Suppressions</PageTitle>
      {canChange ? (
        <form
          className="grid items-start gap-3 md:grid-cols-4"
          noValidate
          aria-label="Suppress an address"
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate();
          }}
        >
          <TextField
            label="Address"
            name="address"
            value={address}
            onChange={setAddress}
            hint="Phone number, e-mail address, chat id or PSID"
            error={fieldError(add.error, "address")}
          />
          <SelectField
            label="Scope"
            name="scope"
            value={newScope}
            onChange={(v) => setNewScope(v as Scope)}
            options={SCOPES.map((s) => ({ value: s, label: s === "all" ? "every channel type" : s }))}
            error={fieldError(add.error, "scope")}
          />
          <TextField label="Note" name="note" value={note} onChange={setNote} error={fieldError(add.error, "note")} />
          <div className="pt-6">
            <Button type="submit" disabled={add.isPending}>
              Suppress
            </Button>
          </div>
        </form>
      ) : null}
      {add.error && !placed ? <Failed error={add.error} /> : null}
      {lift.error ? <Failed error={lift.error} /> : null}
      <form role="search" className="max-w-xs" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label="Show scope"
          name="filter-scope"
          value={scope}
          onChange={(v) => setScope(v as Scope | "")}
          options={[{ value: "", label: "Any" }, ...SCOPES.map((s) => ({ value: s, label: s }))]}
        />
      </form>
      {list.isPending ? (
        <Loading what="suppressions" />
      ) : list.error ? (
        <Failed error={list.error} />
      ) : list.data.items.length === 0 ? (
        <Empty>No suppressed addresses.</Empty>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="border-b border-slate-300 dark:border-slate-600">
            <tr>
              <th className="py-2">Address</th>
              <th>Scope</th>
              <th>Reason</th>
              <th>Note</th>
              <th>Since</th>
              {canChange ? (
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((s) => (
              <tr key={s.id} className="border-b border-slate-200 dark:border-slate-800">
                <td className="py-2">{s.address}</td>
                <td>{s.scope}</td>
                <td>{s.reason}</td>
                <td>{s.note ?? "–"}</td>
                <td>{new Date(s.created_at).toLocaleString()}</td>
                {canChange ? (
                  <td className="text-right">
                    <button
                      type="button"
                      className="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800"
                      onClick={() => lift.mutate(s.id)}
                      aria-label={`Lift ${s.address}`}
                    >
                      Lift
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
