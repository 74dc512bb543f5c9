/**
 * Sign in with an API key or a JWT. The credential is tried on a cheap read before it is kept, so
 * a wrong one is refused here with the API's own words, not on the next page.
 */

import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { z } from "zod";
import { ApiProblem } from "../api";
import { setSession, authHeaders, type Session } from "../session";
import { Button, SelectField, TextField } from "../ui/controls";

const form = z.object({
  kind: z.enum(["api_key", "jwt"]),
  token: z.string().trim().min(8, { error: "enter the whole key or token" }),
});

export function SignIn() {
  const navigate = useNavigate();
  const [kind, setKind] = useState<Session["kind"]>("api_key");
  const [token, setToken] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const parsed = form.safeParse({ kind, token });
    if (!parsed.success) return setError(parsed.error.issues[0]?.message);
    setBusy(true);
    setError(undefined);
    try {
      const res = await fetch("/v1/channels?limit=1", { headers: authHeaders(parsed.data) });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { detail?: string; code?: string };
        throw new ApiProblem(res.status, body.code ?? "error", body.detail ?? res.statusText);
      }
      setSession(parsed.data);
      await navigate({ to: "/" });
    } catch (err) {
      setError(err instanceof ApiProblem ? `${err.detail} (${err.code})` : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="mx-auto mt-24 max-w-md rounded-lg border border-slate-200 p-8 dark:border-slate-700">
      <h1 className="mb-6 text-2xl font-semibold">Sign in to Turumba</h1>
      <form onSubmit={(e) => void submit(e)} className="space-y-4" noValidate>
        <SelectField
          label="Credential"
          name="kind"
          value={kind}
          onChange={(v) => setKind(v as Session["kind"])}
          options={[
            { value: "api_key", label: "API key" },
            { value: "jwt", label: "JWT (Bearer token)" },
          ]}
        />
        <TextField
          label={kind === "api_key" ? "API key" : "Token"}
          name="token"
          type="password"
          value={token}
          onChange={setToken}
          error={error}
          required
          hint="Kept for this tab only; never put in a link."
        />
        <Button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </Button>
      </form>
    </main>
  );
}
