/**
 * Create or edit a channel. The credential inputs come from /v1/providers (the provider plugin's
 * own schema): secret fields are password inputs and never filled in, since the API never returns
 * them; non-secret ones show the stored value when editing. Credentials are replaced as a whole,
 * so editing them asks for the full set. The provider's verdict on the credentials (422
 * invalid_credentials) and validation errors appear beside the field the API names. Editing
 * also shows the channel's webhook URL and the provider's setup steps.
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useParams } from "@tanstack/react-router";
import { useEffect, useMemo, useState } from "react";
import { z } from "zod";
import type { components } from "../../../clients/typescript/index.js";
import { api, ApiProblem, fieldError, unwrap } from "../api";
import { Button, PageTitle, SelectField, TextField } from "../ui/controls";
import { Failed, Loading } from "../ui/states";
import { ChannelWebhook } from "./ChannelWebhook";

type Provider = components["schemas"]["Provider"];
type Channel = components["schemas"]["Channel"];

const settings = z.object({
  name: z.string().trim().min(1, { error: "a name is required" }),
  rate_limit: z.coerce.number().int().min(1, { error: "at least 1 a minute" }),
  burst: z.union([z.literal(""), z.coerce.number().int().min(1)]),
});

/** A credential input's text as the field's JSON type. */
function typed(type: string, text: string): unknown {
  if (type === "integer" || type === "number") return Number(text);
  if (type === "boolean") return text === "true";
  return text;
}

export function ChannelNew() {
  return <ChannelForm />;
}

export function ChannelEdit() {
  const { channelId } = useParams({ from: "/app/channels/$channelId" });
  const channel = useQuery({
    queryKey: ["channel", channelId],
    queryFn: () => unwrap(api().GET("/v1/channels/{id}", { params: { path: { id: channelId } } })),
  });
  if (channel.isPending) return <Loading what="the channel" />;
  if (channel.error) return <Failed error={channel.error} />;
  return (
    <>
      <ChannelForm existing={channel.data} />
      <div className="max-w-2xl">
        <ChannelWebhook channelId={channelId} />
      </div>
    </>
  );
}

function ChannelForm({ existing }: { existing?: Channel }) {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const providers = useQuery({
    queryKey: ["providers"],
    queryFn: () => unwrap(api().GET("/v1/providers")),
    staleTime: Infinity,
  });
  const [key, setKey] = useState(existing ? `${existing.channel_type}/${existing.provider}` : "");
  const [name, setName] = useState(existing?.name ?? "");
  const [rate, setRate] = useState(String(existing?.rate_limit ?? 60));
  const [burst, setBurst] = useState(existing?.burst ? String(existing.burst) : "");
  const [creds, setCreds] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      Object.entries(existing?.credentials ?? {})
        .filter(([, v]) => v !== "********")
        .map(([k, v]) => [k, String(v)]),
    ),
  );
  const [replaceCreds, setReplaceCreds] = useState(!existing);
  const [local, setLocal] = useState<Record<string, string>>({});

  const all = providers.data?.items ?? [];
  useEffect(() => {
    if (!key && all[0]) setKey(`${all[0].channel_type}/${all[0].provider}`);
  }, [key, all]);
  const provider: Provider | undefined = useMemo(
    () => all.find((p) => `${p.channel_type}/${p.provider}` === key),
    [all, key],
  );

  const save = useMutation({
    mutationFn: async () => {
      const s = settings.safeParse({ name, rate_limit: rate, burst });
      if (!s.success) {
        setLocal(Object.fromEntries(s.error.issues.map((i) => [String(i.path[0]), i.message])));
        throw new Error("check the highlighted fields");
      }
      setLocal({});
      const credentials = replaceCreds
        ? Object.fromEntries(
            (provider?.credential_fields ?? [])
              .filter((f) => (creds[f.name] ?? "") !== "")
              .map((f) => [f.name, typed(f.type, creds[f.name]!)]),
          )
        : undefined;
      const common = {
        name: s.data.name,
        rate_limit: s.data.rate_limit,
        burst: s.data.burst === "" ? null : s.data.burst,
      };
      if (existing)
        return unwrap(
          api().PATCH("/v1/channels/{id}", {
            params: { path: { id: existing.id } },
            body: { ...common, ...(credentials ? { credentials } : {}) },
          }),
        );
      return unwrap(
        api().POST("/v1/channels", {
          body: {
            ...common,
            channel_type: provider!.channel_type as Channel["channel_type"],
            provider: provider!.provider,
            credentials: credentials ?? {},
          },
        }),
      );
    },
    onSuccess: async (ch) => {
      await qc.invalidateQueries({ queryKey: ["channels"] });
      qc.setQueryData(["channel", ch.id], ch);
      await navigate({ to: "/channels" });
    },
  });

  if (providers.isPending) return <Loading what="providers" />;
  if (providers.error) return <Failed error={providers.error} />;
  const err = save.error;
  const credentialsError = fieldError(err, "credentials");
  const unplaced = err && !(err instanceof ApiProblem && err.field) && !Object.keys(local).length ? err : undefined;

  return (
    <div className="max-w-2xl">
      <PageTitle>{existing ? `Edit ${existing.name}` : "New channel"}</PageTitle>
      <form
        className="space-y-4"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        {existing ? (
          <p className="text-sm">
            {existing.channel_type} · {existing.provider}
          </p>
        ) : (
          <SelectField
            label="Provider"
            name="provider"
            value={key}
            onChange={(v) => {
              setKey(v);
              setCreds({});
            }}
            options={all.map((p) => ({
              value: `${p.channel_type}/${p.provider}`,
              label: `${p.channel_type} · ${p.key}`,
            }))}
            error={fieldError(err, "provider")}
          />
        )}
        <TextField
          label="Name"
          name="name"
          value={name}
          onChange={setName}
          required
          error={local.name ?? fieldError(err, "name")}
        />
        <div className="grid grid-cols-2 gap-4">
          <TextField
            label="Rate limit (messages a minute)"
            name="rate_limit"
            type="number"
            value={rate}
            onChange={setRate}
            error={local.rate_limit ?? fieldError(err, "rate_limit")}
          />
          <TextField
            label="Burst"
            name="burst"
            type="number"
            value={burst}
            onChange={setBurst}
            hint="Empty: the rate limit's own"
            error={local.burst ?? fieldError(err, "burst")}
          />
        </div>
        <fieldset className="rounded-md border border-slate-300 p-4 dark:border-slate-600">
          <legend className="px-1 text-sm font-semibold">Credentials</legend>
          {existing ? (
            <label className="mb-3 flex items-center gap-2 text-sm">
              <input type="checkbox" checked={replaceCreds} onChange={(e) => setReplaceCreds(e.target.checked)} />
              Replace the credentials (enter the whole set; secret fields are never shown)
            </label>
          ) : null}
          <div className="space-y-3">
            {(provider?.credential_fields ?? []).map((f) => (
              <CredentialInput
                key={f.name}
                field={f}
                value={creds[f.name] ?? ""}
                onChange={(v) => setCreds((c) => ({ ...c, [f.name]: v }))}
                required={f.required && replaceCreds}
                stored={Boolean(existing && f.secret && existing.credentials[f.name])}
                error={fieldError(err, `credentials.${f.name}`)}
              />
            ))}
          </div>
          {credentialsError && !(err instanceof ApiProblem && err.field?.includes(".")) ? (
            <p role="alert" className="mt-3 text-sm text-red-700 dark:text-red-400" data-testid="credentials-error">
              {credentialsError}
            </p>
          ) : null}
        </fieldset>
        {unplaced ? <Failed error={unplaced} /> : null}
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? "Checking with the provider…" : existing ? "Save" : "Create channel"}
        </Button>
      </form>
    </div>
  );
}

type CredentialField = Provider["credential_fields"][number];

/** One credential input: a choice for a boolean, a password input for a secret, a number or text input otherwise. */
function CredentialInput(p: {
  field: CredentialField;
  value: string;
  onChange: (v: string) => void;
  required: boolean;
  stored: boolean;
  error: string | undefined;
}) {
  const f = p.field;
  const name = `credentials.${f.name}`;
  if (f.type === "boolean")
    return (
      <SelectField
        label={f.name}
        name={name}
        value={p.value}
        onChange={p.onChange}
        options={[
          { value: "", label: "Provider default" },
          { value: "true", label: "yes" },
          { value: "false", label: "no" },
        ]}
        error={p.error}
      />
    );
  return (
    <TextField
      label={f.name}
      name={name}
      type={f.secret ? "password" : f.type === "integer" || f.type === "number" ? "number" : "text"}
      value={p.value}
      onChange={p.onChange}
      required={p.required}
      placeholder={p.stored ? "set (write-only)" : undefined}
      hint={f.secret ? "Secret: write-only" : (f.description ?? undefined)}
      error={p.error}
      autoComplete="new-password"
    />
  );
}
