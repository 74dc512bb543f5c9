/**
 * The schedule form's grouped inputs: a choice between a few options (radio buttons under a
 * legend), the contact groups to send to, and the message (a template or its own text). Each shows
 * its error beside it, announced to assistive technology.
 */

import type { components } from "../../../../clients/typescript/index.js";
import { SelectField } from "../../ui/controls";
import { Empty } from "../../ui/states";

const errorText = "mt-1 text-sm text-red-700 dark:text-red-400";
const areaClass =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100";

function FieldError({ id, field, error }: { id: string; field: string; error: string | undefined }) {
  return error ? (
    <p id={id} role="alert" className={errorText} data-error-for={field}>
      {error}
    </p>
  ) : null;
}

export function Choice<T extends string>(props: {
  legend: string;
  name: string;
  value: T;
  onChange: (v: T) => void;
  options: readonly { value: T; label: string }[];
}) {
  return (
    <fieldset>
      <legend className="mb-1 text-sm font-medium">{props.legend}</legend>
      <div className="flex gap-6">
        {props.options.map((o) => (
          <label key={o.value} className="flex items-center gap-2 text-sm">
            <input
              type="radio"
              name={props.name}
              value={o.value}
              checked={props.value === o.value}
              onChange={() => props.onChange(o.value)}
            />
            {o.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

type Group = components["schemas"]["ContactGroup"];

export function GroupPicker(props: {
  groups: readonly Group[];
  chosen: string[];
  onChange: (ids: string[]) => void;
  error: string | undefined;
}) {
  if (props.groups.length === 0) return <Empty>No contact groups yet. Import contacts on the Contacts page.</Empty>;
  const toggle = (id: string, on: boolean) =>
    props.onChange(on ? [...props.chosen, id] : props.chosen.filter((g) => g !== id));
  return (
    <fieldset aria-describedby={props.error ? "schedule-groups-error" : undefined}>
      <legend className="mb-1 text-sm font-medium">Contact groups</legend>
      <ul className="space-y-1">
        {props.groups.map((g) => (
          <li key={g.id}>
            <label className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                checked={props.chosen.includes(g.id)}
                onChange={(e) => toggle(g.id, e.target.checked)}
              />
              {g.name} ({g.member_count} contacts)
            </label>
          </li>
        ))}
      </ul>
      <FieldError id="schedule-groups-error" field="contact_group_ids" error={props.error} />
    </fieldset>
  );
}

type Template = components["schemas"]["Template"];

export function MessageText(props: {
  templates: readonly Template[];
  templateId: string;
  body: string;
  onChange: (patch: { templateId?: string; body?: string }) => void;
  templateError: string | undefined;
  bodyError: string | undefined;
}) {
  return (
    <div className="space-y-3">
      <SelectField
        label="Template"
        name="template_id"
        value={props.templateId}
        onChange={(templateId) => props.onChange({ templateId })}
        options={[
          { value: "", label: "None: write the text here" },
          ...props.templates.map((t) => ({ value: t.id, label: t.name })),
        ]}
        error={props.templateError}
      />
      {props.templateId ? null : (
        <label className="block text-sm font-medium">
          Message
          <textarea
            name="message_body"
            rows={4}
            value={props.body}
            onChange={(e) => props.onChange({ body: e.target.value })}
            aria-invalid={Boolean(props.bodyError)}
            aria-describedby={props.bodyError ? "schedule-body-error" : undefined}
            className={areaClass}
          />
        </label>
      )}
      <FieldError id="schedule-body-error" field="message_body" error={props.bodyError} />
    </div>
  );
}
