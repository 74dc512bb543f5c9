/**
 * The editor's inputs for a template's channel parts: the e-mail subject, HTML and text, and the
 * approved WhatsApp template with its components, each component naming the variables that fill
 * its parameters. Each part is switched on by a checkbox; each error shows beside its input.
 */

import { Button, SelectField, TextField } from "../../ui/controls";
import {
  BUTTON_SUB_TYPES,
  COMPONENT_TYPES,
  emptyComponent,
  type ComponentDraft,
  type EmailDraft,
  type WhatsAppDraft,
} from "./parts";

const areaClass =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100";
const errorText = "mt-1 text-sm text-red-700 dark:text-red-400";

type ErrorOf = (field: string) => string | undefined;

function Area(props: { label: string; name: string; value: string; onChange: (v: string) => void; error?: string }) {
  const id = `${props.name.replace(/\W/g, "-")}-error`;
  return (
    <div>
      <label className="block text-sm font-medium">
        {props.label}
        <textarea
          name={props.name}
          rows={3}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          aria-invalid={Boolean(props.error)}
          aria-describedby={props.error ? id : undefined}
          className={areaClass}
        />
      </label>
      {props.error ? (
        <p id={id} role="alert" className={errorText} data-error-for={props.name}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

function Toggle({ label, on, onChange }: { label: string; on: boolean; onChange: (on: boolean) => void }) {
  return (
    <label className="flex items-center gap-2 text-sm font-medium">
      <input type="checkbox" checked={on} onChange={(e) => onChange(e.target.checked)} />
      {label}
    </label>
  );
}

export function EmailFields(props: { draft: EmailDraft; change: (p: Partial<EmailDraft>) => void; errorOf: ErrorOf }) {
  const d = props.draft;
  return (
    <fieldset className="space-y-3 rounded-md border border-slate-200 p-3 dark:border-slate-700">
      <legend className="px-1 text-sm font-semibold">E-mail</legend>
      <Toggle label="Add e-mail parts" on={d.on} onChange={(on) => props.change({ on })} />
      {d.on ? (
        <>
          <TextField
            label="Subject"
            name="email.subject"
            value={d.subject}
            onChange={(subject) => props.change({ subject })}
            error={props.errorOf("email.subject")}
          />
          <Area
            label="HTML"
            name="email.html"
            value={d.html}
            onChange={(html) => props.change({ html })}
            error={props.errorOf("email.html")}
          />
          <Area
            label="Text part (empty: made from the HTML)"
            name="email.text"
            value={d.text}
            onChange={(text) => props.change({ text })}
            error={props.errorOf("email.text")}
          />
        </>
      ) : null}
    </fieldset>
  );
}

function ComponentRow(props: {
  n: number;
  c: ComponentDraft;
  change: (p: Partial<ComponentDraft>) => void;
  remove: () => void;
  error: string | undefined;
}) {
  const { n, c } = props;
  return (
    <li className="grid items-start gap-2 md:grid-cols-4">
      <SelectField
        label={`Component ${n + 1} type`}
        name={`whatsapp.components[${n}].type`}
        value={c.type}
        onChange={(type) => props.change({ type: type as ComponentDraft["type"] })}
        options={COMPONENT_TYPES.map((t) => ({ value: t, label: t }))}
      />
      {c.type === "button" ? (
        <>
          <SelectField
            label={`Component ${n + 1} button kind`}
            name={`whatsapp.components[${n}].sub_type`}
            value={c.subType}
            onChange={(subType) => props.change({ subType: subType as ComponentDraft["subType"] })}
            options={BUTTON_SUB_TYPES.map((t) => ({ value: t, label: t }))}
          />
          <TextField
            label={`Component ${n + 1} button position`}
            name={`whatsapp.components[${n}].index`}
            type="number"
            value={c.index}
            onChange={(index) => props.change({ index })}
          />
        </>
      ) : null}
      <TextField
        label={`Component ${n + 1} parameters`}
        name={`whatsapp.components[${n}]`}
        value={c.parameters}
        onChange={(parameters) => props.change({ parameters })}
        hint="Variables for {{1}}, {{2}} …, e.g. NAME, CODE"
        error={props.error}
      />
      <div className="pt-6">
        <Button type="button" variant="secondary" onClick={props.remove}>
          Remove component {n + 1}
        </Button>
      </div>
    </li>
  );
}

export function WhatsAppFields(props: {
  draft: WhatsAppDraft;
  change: (p: Partial<WhatsAppDraft>) => void;
  errorOf: ErrorOf;
}) {
  const d = props.draft;
  const setComponent = (i: number, p: Partial<ComponentDraft>) =>
    props.change({ components: d.components.map((c, j) => (j === i ? { ...c, ...p } : c)) });
  return (
    <fieldset className="space-y-3 rounded-md border border-slate-200 p-3 dark:border-slate-700">
      <legend className="px-1 text-sm font-semibold">WhatsApp</legend>
      <Toggle
        label="Map an approved WhatsApp template (sent when the care window is closed)"
        on={d.on}
        onChange={(on) => props.change({ on })}
      />
      {d.on ? (
        <>
          <div className="grid gap-3 md:grid-cols-2">
            <TextField
              label="WhatsApp template name"
              name="whatsapp.name"
              value={d.name}
              onChange={(name) => props.change({ name })}
              hint="As approved by Meta"
              error={props.errorOf("whatsapp.name")}
            />
            <TextField
              label="Language"
              name="whatsapp.language"
              value={d.language}
              onChange={(language) => props.change({ language })}
              hint="e.g. en or en_US"
              error={props.errorOf("whatsapp.language")}
            />
          </div>
          <ul className="space-y-3">
            {d.components.map((c, i) => (
              <ComponentRow
                key={i}
                n={i}
                c={c}
                change={(p) => setComponent(i, p)}
                remove={() => props.change({ components: d.components.filter((_, j) => j !== i) })}
                error={props.errorOf(`whatsapp.components[${i}]`)}
              />
            ))}
          </ul>
          <Button
            type="button"
            variant="secondary"
            onClick={() => props.change({ components: [...d.components, emptyComponent()] })}
          >
            Add component
          </Button>
        </>
      ) : null}
    </fieldset>
  );
}
