/**
 * Form controls on Headless UI's accessible primitives (labels tied to inputs, descriptions and
 * errors announced), styled with Tailwind for both themes. An error from the API appears under the
 * field it names.
 */

import { Button as HButton, Description, Field, Input, Label, Select } from "@headlessui/react";
import type { ComponentProps, ReactNode } from "react";

const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100";

export function TextField(props: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  type?: string;
  error?: string | undefined;
  hint?: string | undefined;
  required?: boolean;
  placeholder?: string;
  autoComplete?: string;
}) {
  return (
    <Field className="block">
      {/* Required fields are marked by the input's required state, which assistive technology announces. */}
      <Label className="text-sm font-medium">{props.label}</Label>
      <Input
        className={inputClass}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value}
        required={props.required}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete ?? "off"}
        invalid={Boolean(props.error)}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {props.hint ? (
        <Description className="mt-1 text-xs text-slate-600 dark:text-slate-400">{props.hint}</Description>
      ) : null}
      {props.error ? (
        <Description role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400" data-error-for={props.name}>
          {props.error}
        </Description>
      ) : null}
    </Field>
  );
}

export function SelectField(props: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  options: { value: string; label: string }[];
  error?: string | undefined;
}) {
  return (
    <Field className="block">
      <Label className="text-sm font-medium">{props.label}</Label>
      <Select
        className={inputClass}
        name={props.name}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </Select>
      {props.error ? (
        <Description role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
          {props.error}
        </Description>
      ) : null}
    </Field>
  );
}

type ButtonProps = ComponentProps<typeof HButton> & { variant?: "primary" | "secondary" | "danger" };

export function Button({ variant = "primary", className, ...rest }: ButtonProps) {
  const look = {
    primary: "bg-indigo-700 text-white hover:bg-indigo-800 disabled:bg-indigo-300",
    secondary:
      "border border-slate-300 bg-white text-slate-900 hover:bg-slate-100 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700",
    danger: "bg-red-700 text-white hover:bg-red-800",
  }[variant];
  return <HButton className={`rounded-md px-3 py-2 text-sm font-medium ${look} ${className ?? ""}`} {...rest} />;
}

export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-4 flex items-center justify-between gap-4">
      <h1 className="text-2xl font-semibold">{children}</h1>
      {actions ? <div className="flex gap-2">{actions}</div> : null}
    </div>
  );
}

/** The status changes a table row offers (pause, resume, cancel …), each a small button named for its row. */
export function RowActions<T extends string>(props: {
  actions: readonly { to: T; label: string }[];
  rowLabel: string;
  onChange: (to: T) => void;
}) {
  return (
    <td className="space-x-2 text-right">
      {props.actions.map((a) => (
        <button
          key={a.to}
          type="button"
          className="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800"
          onClick={() => props.onChange(a.to)}
          aria-label={`${a.label} ${props.rowLabel}`}
        >
          {a.label}
        </button>
      ))}
    </td>
  );
}
