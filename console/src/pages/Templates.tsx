/**
 * Templates: the list, and an editor whose preview is rendered by the API as you type (the same
 * renderer sends use): the body with sample values for its variables, the missing ones, and the
 * SMS encoding and segment count, and each channel part the template has (the e-mail subject,
 * HTML and text; the WhatsApp template with its parameters). Saving creates the template; the
 * API's errors, from the preview or the save, appear beside their field.
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, ApiProblem, fieldError, unwrap } from "../api";
import { useCan } from "../permissions";
import { Button, PageTitle, SelectField, TextField } from "../ui/controls";
import { useSettled } from "../ui/settled";
import { Empty, Failed, Loading } from "../ui/states";
import {
  emailPart,
  emptyEmail,
  emptyWhatsApp,
  whatsappPart,
  type EmailDraft,
  type WhatsAppDraft,
} from "./templates/parts";
import { EmailFields, WhatsAppFields } from "./templates/PartsFields";
import { PreviewParts } from "./templates/PreviewParts";

/** The fields the editor has an input for (an error naming another one is shown above the button). */
const PLACED = ["name", "body", "email", "whatsapp"];

type Strategy = "keep" | "use_default" | "skip";

export function Templates() {
  const qc = useQueryClient();
  const list = useQuery({
    queryKey: ["templates"],
    queryFn: () => unwrap(api().GET("/v1/templates", { params: { query: { limit: 100 } } })),
  });
  const [name, setName] = useState("");
  const [body, setBody] = useState("Hello {NAME}, your code is {CODE}.");
  const [strategy, setStrategy] = useState<Strategy>("keep");
  const [samples, setSamples] = useState<Record<string, string>>({ NAME: "Abebe" });
  const [email, setEmail] = useState<EmailDraft>(emptyEmail);
  const [whatsapp, setWhatsapp] = useState<WhatsAppDraft>(emptyWhatsApp);
  const settled = useSettled({ body, strategy, samples, email, whatsapp });

  const preview = useQuery({
    queryKey: ["template-preview", settled],
    queryFn: () =>
      unwrap(
        api().POST("/v1/templates/preview", {
          body: {
            body: settled.body,
            fallback_strategy: settled.strategy,
            custom_values: settled.samples,
            email: emailPart(settled.email),
            whatsapp: whatsappPart(settled.whatsapp),
          },
        }),
      ),
    enabled: settled.body.length > 0,
    placeholderData: (prev) => prev,
    retry: false,
  });
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api().POST("/v1/templates", {
          body: {
            name,
            body,
            fallback_strategy: strategy,
            email: emailPart(email),
            whatsapp: whatsappPart(whatsapp),
          },
        }),
      ),
    onSuccess: async () => {
      setName("");
      await qc.invalidateQueries({ queryKey: ["templates"] });
    },
  });

  // A part's error from the save, else from the preview (the preview checks the parts as you type).
  const errorOf = (field: string) => fieldError(save.error, field) ?? fieldError(preview.error, field);
  const placed = (err: unknown) => err instanceof ApiProblem && PLACED.includes((err.field ?? "").split(".")[0]!);

  // Writing templates needs the manager role; a user sees the list.
  const canChange = useCan("manage");
  return (
    <div className="max-w-5xl space-y-8">
      <PageTitle>Templates</PageTitle>
      {list.isPending ? (
        <Loading what="templates" />
      ) : list.error ? (
        <Failed error={list.error} />
      ) : list.data.items.length === 0 ? (
        <Empty>No templates yet.</Empty>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="border-b border-slate-300 dark:border-slate-600">
            <tr>
              <th className="py-2">Name</th>
              <th>Body</th>
              <th>A missing variable</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((t) => (
              <tr key={t.id} className="border-b border-slate-200 dark:border-slate-800">
                <td className="py-2">{t.name}</td>
                <td className="max-w-md truncate">{t.body}</td>
                <td>{t.fallback_strategy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canChange ? (
        <section aria-labelledby="editor-title" className="grid gap-6 md:grid-cols-2">
          <form
            className="space-y-4"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate();
            }}
          >
            <h2 id="editor-title" className="text-lg font-semibold">
              New template
            </h2>
            <TextField
              label="Name"
              name="name"
              value={name}
              onChange={setName}
              error={fieldError(save.error, "name")}
            />
            <label className="block text-sm font-medium">
              Body
              <textarea
                name="body"
                rows={5}
                value={body}
                onChange={(e) => setBody(e.target.value)}
                className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100"
              />
            </label>
            {(fieldError(save.error, "body") ?? fieldError(preview.error, "body")) ? (
              <p role="alert" className="text-sm text-red-700 dark:text-red-400">
                {fieldError(save.error, "body") ?? fieldError(preview.error, "body")}
              </p>
            ) : null}
            <SelectField
              label="A missing variable"
              name="fallback_strategy"
              value={strategy}
              onChange={(v) => setStrategy(v as Strategy)}
              options={[
                { value: "keep", label: "keeps its placeholder" },
                { value: "use_default", label: "uses the default value" },
                { value: "skip", label: "skips the recipient" },
              ]}
            />
            <EmailFields draft={email} change={(p) => setEmail((d) => ({ ...d, ...p }))} errorOf={errorOf} />
            <WhatsAppFields draft={whatsapp} change={(p) => setWhatsapp((d) => ({ ...d, ...p }))} errorOf={errorOf} />
            {save.error && !placed(save.error) ? <Failed error={save.error} /> : null}
            <Button type="submit" disabled={save.isPending}>
              Save template
            </Button>
          </form>
          <div className="space-y-3">
            <h2 className="text-lg font-semibold">Preview</h2>
            {(preview.data?.variables ?? []).map((v) => (
              <TextField
                key={v}
                label={`Sample ${v}`}
                name={`sample-${v}`}
                value={samples[v] ?? ""}
                onChange={(value) => setSamples((s) => ({ ...s, [v]: value }))}
              />
            ))}
            {preview.error && !placed(preview.error) ? <Failed error={preview.error} /> : null}
            {preview.data ? <PreviewParts p={preview.data} /> : null}
          </div>
        </section>
      ) : null}
    </div>
  );
}
