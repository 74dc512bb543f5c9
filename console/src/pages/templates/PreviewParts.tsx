/**
 * The API's rendering of a template, part by part: the body with its characters and SMS encoding
 * and segments, the e-mail subject, HTML (shown as source: the console never renders a template's
 * markup) and text, and the WhatsApp template with each component's parameters filled.
 */

import type { operations } from "../../../../clients/typescript/index.js";

export type Preview = operations["previewTemplateBody"]["responses"][200]["content"]["application/json"];

const card = "rounded-md border border-slate-200 p-4 text-sm dark:border-slate-700";
const caption = "mb-1 text-xs font-semibold uppercase tracking-wide text-slate-700 dark:text-slate-300";

function valueOf(p: Record<string, unknown>): string {
  if (typeof p.text === "string") return p.text;
  if (typeof p.payload === "string") return p.payload;
  return String(p.type);
}

export function PreviewParts({ p }: { p: Preview }) {
  return (
    <div className="space-y-3">
      <div className={card} data-testid="preview">
        <p className={caption}>Body</p>
        <p className="whitespace-pre-wrap">{p.skipped ? "(this recipient is skipped)" : p.rendered}</p>
        <p className="mt-3 text-slate-700 dark:text-slate-300">
          {p.characters} characters · SMS {p.sms.encoding}, {p.sms.segments} segment{p.sms.segments === 1 ? "" : "s"}
          {p.missing_variables.length > 0 ? ` · missing: ${p.missing_variables.join(", ")}` : ""}
        </p>
      </div>
      {p.email ? (
        <div className={card} data-testid="preview-email">
          <p className={caption}>E-mail</p>
          <dl className="grid grid-cols-[6rem_1fr] gap-x-3 gap-y-1">
            <dt className="font-medium">Subject</dt>
            <dd data-testid="preview-email-subject">{p.email.subject}</dd>
            {p.email.html !== null ? (
              <>
                <dt className="font-medium">HTML</dt>
                <dd>
                  <pre className="whitespace-pre-wrap font-mono text-xs" data-testid="preview-email-html">
                    {p.email.html}
                  </pre>
                </dd>
              </>
            ) : null}
            <dt className="font-medium">Text</dt>
            <dd className="whitespace-pre-wrap" data-testid="preview-email-text">
              {p.email.text}
            </dd>
          </dl>
        </div>
      ) : null}
      {p.whatsapp ? (
        <div className={card} data-testid="preview-whatsapp">
          <p className={caption}>WhatsApp template</p>
          <p>
            <span className="font-mono">{p.whatsapp.name}</span> ({p.whatsapp.language})
          </p>
          <ul className="mt-2 space-y-1">
            {(p.whatsapp.components ?? []).map((c, i) => (
              <li key={i} data-testid={`preview-whatsapp-${i}`}>
                <span className="font-medium">
                  {c.type}
                  {c.sub_type ? ` ${c.sub_type} ${String(c.index)}` : ""}:
                </span>{" "}
                {c.parameters.map((param, j) => `{{${j + 1}}} ${valueOf(param)}`).join(" · ")}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
