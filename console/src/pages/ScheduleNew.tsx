/**
 * A new schedule: a message sent once at a set time or repeated by a rule (daily, weekly on some
 * days, monthly on a day, or a cron expression) in a time zone, to one address or to contact
 * groups, with a template or its own text. The form's own checks and the API's refusals both
 * appear beside the field they concern; a created schedule opens the schedule list.
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api, ApiProblem, fieldError, unwrap } from "../api";
import { Button, PageTitle, SelectField, TextField } from "../ui/controls";
import { Failed } from "../ui/states";
import {
  emptyValues,
  toRequest,
  type FieldErrors,
  type ScheduleRequest,
  type ScheduleValues,
} from "./schedule-form/form";
import { Choice, GroupPicker, MessageText } from "./schedule-form/fields";

/** The API fields the form has an input for; an error naming another one is shown above the button. */
const PLACED = [
  "name",
  "channel_id",
  "delivery_address",
  "contact_group_ids",
  "template_id",
  "message_body",
  "scheduled_at",
  "recurrence_rule",
  "timezone",
  "recurrence_max_count",
];

export function ScheduleNew() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [v, setV] = useState<ScheduleValues>(emptyValues);
  const [checked, setChecked] = useState<FieldErrors>({});
  const change = (patch: Partial<ScheduleValues>) => setV((prev) => ({ ...prev, ...patch }));

  const channels = useQuery({
    queryKey: ["channels"],
    queryFn: () => unwrap(api().GET("/v1/channels", { params: { query: { limit: 100 } } })),
  });
  const templates = useQuery({
    queryKey: ["templates"],
    queryFn: () => unwrap(api().GET("/v1/templates", { params: { query: { limit: 100 } } })),
  });
  const groups = useQuery({
    queryKey: ["groups"],
    queryFn: () => unwrap(api().GET("/v1/contact-groups", { params: { query: { limit: 100 } } })),
  });
  const create = useMutation({
    mutationFn: (body: ScheduleRequest) => unwrap(api().POST("/v1/scheduled-messages", { body })),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ["schedules"] });
      await navigate({ to: "/schedules" });
    },
  });

  const errorOf = (field: string) => checked[field] ?? fieldError(create.error, field);
  const unplaced =
    create.error && !(create.error instanceof ApiProblem && PLACED.includes((create.error.field ?? "").split(".")[0]!));

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const made = toRequest(v);
    if ("errors" in made) return setChecked(made.errors);
    setChecked({});
    create.mutate(made.request);
  }

  const loadError = channels.error ?? templates.error ?? groups.error;
  return (
    <div className="max-w-3xl">
      <PageTitle>New schedule</PageTitle>
      {loadError ? <Failed error={loadError} /> : null}
      <form className="space-y-6" noValidate aria-label="New schedule" onSubmit={submit}>
        <div className="grid gap-4 md:grid-cols-2">
          <TextField
            label="Schedule name"
            name="name"
            value={v.name}
            onChange={(name) => change({ name })}
            error={errorOf("name")}
            hint="Optional"
          />
          <SelectField
            label="Channel"
            name="channel_id"
            value={v.channelId}
            onChange={(channelId) => change({ channelId })}
            options={[
              { value: "", label: "Choose a channel" },
              ...(channels.data?.items ?? []).map((c) => ({ value: c.id, label: `${c.name} (${c.channel_type})` })),
            ]}
            error={errorOf("channel_id")}
          />
        </div>

        <Choice
          legend="Send to"
          name="send_type"
          value={v.sendType}
          onChange={(sendType) => change({ sendType })}
          options={[
            { value: "single", label: "One address" },
            { value: "group", label: "Contact groups" },
          ]}
        />
        {v.sendType === "single" ? (
          <TextField
            label="Address"
            name="delivery_address"
            value={v.address}
            onChange={(address) => change({ address })}
            hint="A phone number, chat id or e-mail address, as the channel takes it"
            error={errorOf("delivery_address")}
          />
        ) : (
          <GroupPicker
            groups={groups.data?.items ?? []}
            chosen={v.groupIds}
            onChange={(groupIds) => change({ groupIds })}
            error={errorOf("contact_group_ids")}
          />
        )}

        <MessageText
          templates={templates.data?.items ?? []}
          templateId={v.templateId}
          body={v.body}
          onChange={change}
          templateError={errorOf("template_id")}
          bodyError={errorOf("message_body")}
        />

        <div className="grid gap-4 md:grid-cols-2">
          <TextField
            label="First send"
            name="scheduled_at"
            type="datetime-local"
            value={v.at}
            onChange={(at) => change({ at })}
            hint="In your browser's time zone"
            error={errorOf("scheduled_at")}
          />
        </div>
        <label className="flex items-center gap-2 text-sm font-medium">
          <input type="checkbox" checked={v.recurring} onChange={(e) => change({ recurring: e.target.checked })} />
          Repeat
        </label>
        {v.recurring ? (
          <div className="grid gap-4 md:grid-cols-3">
            <TextField
              label="Repeats"
              name="recurrence_rule"
              value={v.rule}
              onChange={(rule) => change({ rule })}
              placeholder="weekly:mon,thu"
              hint="daily, weekly:mon,wed,fri, monthly:15, or cron such as 0 9 * * 1-5"
              error={errorOf("recurrence_rule")}
            />
            <TextField
              label="Time zone"
              name="timezone"
              value={v.timezone}
              onChange={(timezone) => change({ timezone })}
              hint="The rule's times are read in this zone, e.g. Africa/Addis_Ababa"
              error={errorOf("timezone")}
            />
            <TextField
              label="Stop after"
              name="recurrence_max_count"
              type="number"
              value={v.maxCount}
              onChange={(maxCount) => change({ maxCount })}
              hint="Sends; empty: no limit"
              error={errorOf("recurrence_max_count")}
            />
          </div>
        ) : null}
        {unplaced ? <Failed error={create.error} /> : null}
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create schedule"}
        </Button>
      </form>
    </div>
  );
}
