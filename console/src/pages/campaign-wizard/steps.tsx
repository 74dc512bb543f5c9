/**
 * The campaign wizard's steps, one component each: the channel (narrowed by channel type), the
 * message (a template or ad-hoc text, previewed by the API with its SMS segment count), the
 * recipient groups, the throttle (the channel's rate limit), the schedule, and the review.
 */

import { useQuery } from "@tanstack/react-query";
import type { components, operations } from "../../../../clients/typescript/index.js";
import { api, unwrap } from "../../api";
import { SelectField, TextField } from "../../ui/controls";
import { useSettled } from "../../ui/settled";
import { Empty, Failed } from "../../ui/states";
import { duration, type Draft, type FieldErrors, type When } from "./draft";

type Channel = components["schemas"]["Channel"];
type Group = components["schemas"]["ContactGroup"];
type Preview = operations["previewTemplateBody"]["responses"][200]["content"]["application/json"];

export interface StepProps {
  draft: Draft;
  change: (patch: Partial<Draft>) => void;
  errors: FieldErrors;
}

const errorText = "mt-1 text-sm text-red-700 dark:text-red-400";
const areaClass =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100";

/** Read afresh when the wizard opens: a channel or group made a moment ago must be offered. */
export function useChannels() {
  return useQuery({
    queryKey: ["channels"],
    queryFn: () => unwrap(api().GET("/v1/channels", { params: { query: { limit: 100 } } })),
    staleTime: 0,
  });
}

export function useGroups() {
  return useQuery({
    queryKey: ["groups"],
    queryFn: () => unwrap(api().GET("/v1/contact-groups", { params: { query: { limit: 100 } } })),
    staleTime: 0,
  });
}

/** Recipients the chosen groups hold (a contact in two groups counts twice here, once when sent). */
export function recipientsOf(groups: readonly Group[], ids: readonly string[]): number {
  return groups.filter((g) => ids.includes(g.id)).reduce((n, g) => n + g.member_count, 0);
}

export function ChannelStep({ draft, change, errors, channels }: StepProps & { channels: readonly Channel[] }) {
  const types = [...new Set(channels.map((c) => c.channel_type))].sort();
  const shown = channels.filter((c) => !draft.channelType || c.channel_type === draft.channelType);
  if (channels.length === 0) return <Empty>No channels yet. Create a channel first.</Empty>;
  return (
    <div className="space-y-4">
      <TextField
        label="Campaign name"
        name="name"
        value={draft.name}
        onChange={(name) => change({ name })}
        error={errors.name}
      />
      <SelectField
        label="Channel type"
        name="channel_type"
        value={draft.channelType}
        onChange={(channelType) => {
          const keep = channels.find((c) => c.id === draft.channelId)?.channel_type === channelType;
          change({ channelType, ...(keep ? {} : { channelId: "" }) });
        }}
        options={[{ value: "", label: "Any type" }, ...types.map((t) => ({ value: t, label: t }))]}
      />
      <SelectField
        label="Channel"
        name="channel_id"
        value={draft.channelId}
        onChange={(channelId) => {
          const c = channels.find((x) => x.id === channelId);
          change({ channelId, rateLimit: c ? String(c.rate_limit) : "" });
        }}
        options={[
          { value: "", label: "Choose a channel" },
          ...shown.map((c) => ({ value: c.id, label: `${c.name} (${c.channel_type}, ${c.status})` })),
        ]}
        error={errors.channel_id}
      />
    </div>
  );
}

/** The API's rendering of the message for one recipient with the sample values. */
function usePreview(draft: Draft) {
  const settled = useSettled({ templateId: draft.templateId, body: draft.body, samples: draft.samples });
  return useQuery({
    queryKey: ["campaign-preview", settled],
    queryFn: (): Promise<Preview> =>
      settled.templateId
        ? unwrap(
            api().POST("/v1/templates/{id}/preview", {
              params: { path: { id: settled.templateId } },
              body: { custom_values: settled.samples },
            }),
          )
        : unwrap(api().POST("/v1/templates/preview", { body: { body: settled.body, custom_values: settled.samples } })),
    enabled: Boolean(settled.templateId || settled.body),
    placeholderData: (prev) => prev,
    retry: false,
  });
}

export function MessageStep({ draft, change, errors }: StepProps) {
  const templates = useQuery({
    queryKey: ["templates"],
    queryFn: () => unwrap(api().GET("/v1/templates", { params: { query: { limit: 100 } } })),
  });
  const preview = usePreview(draft);
  return (
    <div className="grid gap-6 md:grid-cols-2">
      <div className="space-y-4">
        {templates.error ? <Failed error={templates.error} /> : null}
        <SelectField
          label="Template"
          name="template_id"
          value={draft.templateId}
          onChange={(templateId) => change({ templateId })}
          options={[
            { value: "", label: "None: write the text here" },
            ...(templates.data?.items ?? []).map((t) => ({ value: t.id, label: t.name })),
          ]}
          error={errors.template_id}
        />
        {draft.templateId ? null : (
          <label className="block text-sm font-medium">
            Message
            <textarea
              name="message_body"
              rows={5}
              value={draft.body}
              onChange={(e) => change({ body: e.target.value })}
              aria-invalid={Boolean(errors.message_body)}
              aria-describedby={errors.message_body ? "message-body-error" : undefined}
              className={areaClass}
            />
          </label>
        )}
        {errors.message_body ? (
          <p id="message-body-error" role="alert" className={errorText}>
            {errors.message_body}
          </p>
        ) : null}
        <p className="text-xs text-slate-600 dark:text-slate-400">
          {"{NAME}"}, {"{PHONE}"}, {"{EMAIL}"} and the contact&apos;s own fields are filled in per recipient.
        </p>
      </div>
      <div className="space-y-3">
        <h3 className="font-semibold">Preview</h3>
        {(preview.data?.variables ?? []).map((v) => (
          <TextField
            key={v}
            label={`Sample ${v}`}
            name={`sample-${v}`}
            value={draft.samples[v] ?? ""}
            onChange={(value) => change({ samples: { ...draft.samples, [v]: value } })}
          />
        ))}
        {preview.error ? <Failed error={preview.error} /> : null}
        {preview.data ? <PreviewCard p={preview.data} /> : <p className="text-sm">Nothing to preview yet.</p>}
      </div>
    </div>
  );
}

function PreviewCard({ p }: { p: Preview }) {
  return (
    <div
      className="rounded-md border border-slate-200 p-4 text-sm dark:border-slate-700"
      data-testid="campaign-preview"
    >
      {p.email ? <p className="mb-2 font-semibold">Subject: {p.email.subject}</p> : null}
      <p className="whitespace-pre-wrap">{p.skipped ? "(this recipient is skipped)" : p.rendered}</p>
      <p className="mt-3 text-slate-700 dark:text-slate-300" data-testid="campaign-segments">
        {p.characters} characters · SMS {p.sms.encoding}, {p.sms.segments} segment{p.sms.segments === 1 ? "" : "s"}
        {p.missing_variables.length > 0 ? ` · missing: ${p.missing_variables.join(", ")}` : ""}
      </p>
    </div>
  );
}

export function RecipientsStep({ draft, change, errors, groups }: StepProps & { groups: readonly Group[] }) {
  if (groups.length === 0) return <Empty>No contact groups yet. Import contacts on the Contacts page.</Empty>;
  const toggle = (id: string, on: boolean) =>
    change({ groupIds: on ? [...draft.groupIds, id] : draft.groupIds.filter((g) => g !== id) });
  return (
    <fieldset aria-describedby={errors.contact_group_ids ? "groups-error" : undefined}>
      <legend className="mb-2 text-sm font-medium">Contact groups</legend>
      <ul className="space-y-1">
        {groups.map((g) => (
          <li key={g.id}>
            <label className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                checked={draft.groupIds.includes(g.id)}
                onChange={(e) => toggle(g.id, e.target.checked)}
              />
              {g.name} ({g.member_count} contacts)
            </label>
          </li>
        ))}
      </ul>
      <p className="mt-3 text-sm" data-testid="campaign-recipients">
        {recipientsOf(groups, draft.groupIds)} recipients
      </p>
      {errors.contact_group_ids ? (
        <p id="groups-error" role="alert" className={errorText}>
          {errors.contact_group_ids}
        </p>
      ) : null}
    </fieldset>
  );
}

/**
 * The throttle is the channel's rate limit, which only an admin may change (`PATCH /v1/channels`);
 * anyone else sees the pace the campaign will go at, without a field the API would refuse.
 */
export function ThrottleStep({
  draft,
  change,
  errors,
  recipients,
  canChange,
}: StepProps & { recipients: number; canChange: boolean }) {
  return (
    <div className="max-w-md space-y-3">
      {canChange ? (
        <TextField
          label="Messages a minute"
          name="rate_limit"
          type="number"
          value={draft.rateLimit}
          onChange={(rateLimit) => change({ rateLimit })}
          hint="The channel's rate limit: the campaign fans out at this pace, and so do the channel's other sends."
          error={errors.rate_limit}
        />
      ) : (
        <p className="text-sm" data-testid="campaign-rate">
          The channel sends {draft.rateLimit} messages a minute. Its rate limit is set on the channel, by an admin.
        </p>
      )}
      <p className="text-sm" data-testid="campaign-duration">
        {recipients} recipients take {duration(recipients, Number(draft.rateLimit))}.
      </p>
    </div>
  );
}

const WHEN: { value: When; label: string }[] = [
  { value: "now", label: "Start now" },
  { value: "draft", label: "Save as a draft and start it later" },
  { value: "later", label: "Start at a set time" },
];

export function ScheduleStep({ draft, change, errors }: StepProps) {
  return (
    <div className="max-w-md space-y-4">
      <fieldset>
        <legend className="mb-2 text-sm font-medium">When it starts</legend>
        {WHEN.map((w) => (
          <label key={w.value} className="flex items-center gap-2 text-sm">
            <input
              type="radio"
              name="when"
              value={w.value}
              checked={draft.when === w.value}
              onChange={() => change({ when: w.value })}
            />
            {w.label}
          </label>
        ))}
      </fieldset>
      {draft.when === "later" ? (
        <TextField
          label="Starts at"
          name="scheduled_at"
          type="datetime-local"
          value={draft.at}
          onChange={(at) => change({ at })}
          hint={`Your time zone: ${Intl.DateTimeFormat().resolvedOptions().timeZone}`}
          error={errors.scheduled_at}
        />
      ) : null}
    </div>
  );
}

export function ReviewStep({
  draft,
  channel,
  recipients,
}: {
  draft: Draft;
  channel: Channel | undefined;
  recipients: number;
}) {
  const segments = usePreview(draft).data?.sms.segments;
  const sms = channel && (channel.channel_type === "sms" || channel.channel_type === "smpp");
  const rows: [string, string][] = [
    ["Name", draft.name || "(none)"],
    ["Channel", channel ? `${channel.name} (${channel.channel_type})` : "(none)"],
    ["Message", draft.templateId ? "a template" : draft.body],
    ["Recipients", String(recipients)],
    ...(sms && segments ? ([["SMS segments", String(recipients * segments)]] as [string, string][]) : []),
    ["Pace", `${draft.rateLimit} a minute, ${duration(recipients, Number(draft.rateLimit))}`],
    [
      "Starts",
      draft.when === "now" ? "now" : draft.when === "draft" ? "by hand (draft)" : new Date(draft.at).toLocaleString(),
    ],
  ];
  return (
    <dl className="grid max-w-2xl grid-cols-[10rem_1fr] gap-x-4 gap-y-2 text-sm" data-testid="campaign-review">
      {rows.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="font-medium">{k}</dt>
          <dd className="whitespace-pre-wrap">{v}</dd>
        </div>
      ))}
    </dl>
  );
}
