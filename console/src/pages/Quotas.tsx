/**
 * Quotas (admins set them): per channel type, how many messages the account may send a day and a
 * month, how many it sent this period and when each period resets. A limit is edited per channel
 * type; empty means no limit. The API's error appears beside the limit it concerns.
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { components } from "../../../clients/typescript/index.js";
import { api, ApiProblem, fieldError, unwrap } from "../api";
import { Button, PageTitle, SelectField, TextField } from "../ui/controls";
import { Empty, Failed, Loading } from "../ui/states";

type ChannelType = components["schemas"]["Quota"]["channel_type"];
const TYPES: ChannelType[] = ["sms", "smpp", "telegram", "whatsapp", "messenger", "email"];

/** An input's text as a limit: empty is no limit; anything else goes to the API as typed, to be checked there. */
const asLimit = (text: string): number | null => (text.trim() === "" ? null : Number(text));

function Period({ p }: { p: components["schemas"]["Quota"]["daily"] }) {
  return (
    <>
      {p.used} of {p.limit ?? "no limit"}
      <span className="block text-xs text-slate-700 dark:text-slate-300">
        resets {new Date(p.resets_at).toLocaleString()}
      </span>
    </>
  );
}

export function Quotas() {
  const qc = useQueryClient();
  const list = useQuery({ queryKey: ["quotas"], queryFn: () => unwrap(api().GET("/v1/quotas")) });
  const [type, setType] = useState<ChannelType>("sms");
  const [daily, setDaily] = useState("");
  const [monthly, setMonthly] = useState("");
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api().PATCH("/v1/quotas/{channel_type}", {
          params: { path: { channel_type: type } },
          body: { daily_limit: asLimit(daily), monthly_limit: asLimit(monthly) },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["quotas"] }),
  });
  const placed = save.error instanceof ApiProblem && /^(daily|monthly)_limit/.test(save.error.field ?? "");

  return (
    <div className="max-w-4xl space-y-6">
      <PageTitle>Quotas</PageTitle>
      {list.isPending ? (
        <Loading what="quotas" />
      ) : list.error ? (
        <Failed error={list.error} />
      ) : list.data.items.length === 0 ? (
        <Empty>No quotas: every channel type sends without a limit.</Empty>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="border-b border-slate-300 dark:border-slate-600">
            <tr>
              <th className="py-2">Channel type</th>
              <th>Today</th>
              <th>This month</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((q) => (
              <tr key={q.channel_type} className="border-b border-slate-200 dark:border-slate-800">
                <td className="py-2">{q.channel_type}</td>
                <td data-testid={`quota-daily-${q.channel_type}`}>
                  <Period p={q.daily} />
                </td>
                <td>
                  <Period p={q.monthly} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="grid items-start gap-3 md:grid-cols-4"
        noValidate
        aria-label="Set a quota"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <SelectField
          label="Channel type"
          name="channel_type"
          value={type}
          onChange={(v) => setType(v as ChannelType)}
          options={TYPES.map((t) => ({ value: t, label: t }))}
        />
        <TextField
          label="Daily limit"
          name="daily_limit"
          type="number"
          value={daily}
          onChange={setDaily}
          hint="Empty: no limit"
          error={fieldError(save.error, "daily_limit")}
        />
        <TextField
          label="Monthly limit"
          name="monthly_limit"
          type="number"
          value={monthly}
          onChange={setMonthly}
          hint="Empty: no limit"
          error={fieldError(save.error, "monthly_limit")}
        />
        <div className="pt-6">
          <Button type="submit" disabled={save.isPending}>
            Save quota
          </Button>
        </div>
      </form>
      {save.error && !placed ? <Failed error={save.error} /> : null}
    </div>
  );
}
