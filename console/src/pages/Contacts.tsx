/**
 * Contacts and groups: the groups with their sizes, a new group, and a CSV import into a group
 * with an upload progress bar and the rows the API rejected (line and reason), then the latest
 * contacts. The upload uses XMLHttpRequest because fetch reports no upload progress.
 */

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { z } from "zod";
import { api, ApiProblem, fieldError, unwrap } from "../api";
import { useCan } from "../permissions";
import { authHeaders } from "../session";
import { Button, PageTitle, SelectField, TextField } from "../ui/controls";
import { Empty, Failed, Loading } from "../ui/states";

/** The import's answer (importContactsCsv's 200). */
interface ImportResult {
  imported: number;
  rejected: number;
  errors: { line: number; detail: string }[];
}

const groupForm = z.object({ name: z.string().trim().min(1, { error: "a name is required" }) });

/** Uploads a CSV file to a group's import, reporting the share sent so far. */
function uploadCsv(groupId: string, file: File, onProgress: (share: number) => void): Promise<ImportResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/v1/contact-groups/${groupId}/import`);
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader("content-type", "text/csv");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      const body = (() => {
        try {
          return JSON.parse(xhr.responseText) as { code?: string; detail?: string; field?: string };
        } catch {
          return {};
        }
      })();
      if (xhr.status === 200) return resolve(body as unknown as ImportResult);
      reject(new ApiProblem(xhr.status, body.code ?? `http_${xhr.status}`, body.detail ?? xhr.statusText, body.field));
    };
    xhr.onerror = () => reject(new Error("the upload failed: the connection was lost"));
    xhr.send(file);
  });
}

export function Contacts() {
  const qc = useQueryClient();
  const groups = useQuery({
    queryKey: ["groups"],
    queryFn: () => unwrap(api().GET("/v1/contact-groups", { params: { query: { limit: 100 } } })),
  });
  const contacts = useQuery({
    queryKey: ["contacts"],
    queryFn: () => unwrap(api().GET("/v1/contacts", { params: { query: { limit: 20 } } })),
  });
  const [name, setName] = useState("");
  const [nameError, setNameError] = useState<string>();
  const create = useMutation({
    mutationFn: async () => {
      const parsed = groupForm.safeParse({ name });
      if (!parsed.success) {
        setNameError(parsed.error.issues[0]?.message);
        throw new Error("check the name");
      }
      setNameError(undefined);
      return unwrap(api().POST("/v1/contact-groups", { body: parsed.data }));
    },
    onSuccess: async (g) => {
      setName("");
      setTarget(g.id);
      await qc.invalidateQueries({ queryKey: ["groups"] });
    },
  });

  const [target, setTarget] = useState("");
  const [file, setFile] = useState<File>();
  const [progress, setProgress] = useState(0);
  const importing = useMutation({
    mutationFn: () => {
      if (!file) throw new Error("choose a CSV file first");
      setProgress(0);
      return uploadCsv(target, file, setProgress);
    },
    onSuccess: async () => {
      setProgress(1);
      await qc.invalidateQueries({ queryKey: ["groups"] });
      await qc.invalidateQueries({ queryKey: ["contacts"] });
    },
  });

  const groupList = groups.data?.items ?? [];
  const chosen = target || groupList[0]?.id || "";
  // Groups and imports need the manager role; a user sees the groups and contacts.
  const canChange = useCan("manage");
  return (
    <div className="max-w-4xl space-y-8">
      <PageTitle>Contacts and groups</PageTitle>
      <section aria-labelledby="groups-title">
        <h2 id="groups-title" className="mb-2 text-lg font-semibold">
          Groups
        </h2>
        {groups.isPending ? (
          <Loading what="groups" />
        ) : groups.error ? (
          <Failed error={groups.error} />
        ) : groupList.length === 0 ? (
          <Empty>{canChange ? "No groups yet. Create one, then import contacts into it." : "No groups yet."}</Empty>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-300 dark:border-slate-600">
              <tr>
                <th className="py-2">Name</th>
                <th>Members</th>
              </tr>
            </thead>
            <tbody>
              {groupList.map((g) => (
                <tr key={g.id} className="border-b border-slate-200 dark:border-slate-800">
                  <td className="py-2">{g.name}</td>
                  <td data-testid={`members-${g.name}`}>{g.member_count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {canChange ? (
          <form
            className="mt-4 flex items-end gap-3"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate();
            }}
          >
            <div className="flex-1">
              <TextField
                label="New group name"
                name="group-name"
                value={name}
                onChange={setName}
                error={nameError ?? fieldError(create.error, "name")}
              />
            </div>
            <Button type="submit" disabled={create.isPending}>
              Create group
            </Button>
          </form>
        ) : null}
      </section>

      {canChange ? (
        <section aria-labelledby="import-title">
          <h2 id="import-title" className="mb-2 text-lg font-semibold">
            Import contacts from CSV
          </h2>
          <p className="mb-3 text-sm text-slate-700 dark:text-slate-300">
            A header row with at least one of name, email, phone; other columns are kept as the contact&apos;s metadata
            (and become template variables).
          </p>
          <form
            className="space-y-3"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              importing.mutate();
            }}
          >
            <SelectField
              label="Into group"
              name="import-group"
              value={chosen}
              onChange={setTarget}
              options={groupList.map((g) => ({ value: g.id, label: g.name }))}
            />
            <label className="block text-sm font-medium">
              CSV file
              <input
                type="file"
                accept=".csv,text/csv"
                name="csv"
                className="mt-1 block text-sm"
                onChange={(e) => setFile(e.target.files?.[0])}
              />
            </label>
            <Button type="submit" disabled={importing.isPending || !chosen}>
              {importing.isPending ? "Importing…" : "Import"}
            </Button>
          </form>
          {importing.isPending || importing.data ? (
            <div
              role="progressbar"
              aria-label="Upload progress"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(progress * 100)}
              className="mt-3 h-3 w-full overflow-hidden rounded bg-slate-200 dark:bg-slate-800"
            >
              <div className="h-full bg-indigo-600" style={{ width: `${Math.round(progress * 100)}%` }} />
            </div>
          ) : null}
          {importing.error ? (
            <div className="mt-3">
              <Failed error={importing.error} />
            </div>
          ) : null}
          {importing.data ? (
            <div className="mt-3" data-testid="import-result">
              <p className="text-sm">
                Imported {importing.data.imported}; rejected {importing.data.rejected}.
              </p>
              {importing.data.errors.length > 0 ? (
                <table className="mt-2 w-full text-left text-sm" aria-label="Rejected rows">
                  <thead className="border-b border-slate-300 dark:border-slate-600">
                    <tr>
                      <th className="py-1">Line</th>
                      <th>Reason</th>
                    </tr>
                  </thead>
                  <tbody>
                    {importing.data.errors.map((e) => (
                      <tr key={e.line} className="border-b border-slate-200 dark:border-slate-800">
                        <td className="py-1">{e.line}</td>
                        <td>{e.detail}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
            </div>
          ) : null}
        </section>
      ) : null}

      <section aria-labelledby="contacts-title">
        <h2 id="contacts-title" className="mb-2 text-lg font-semibold">
          Latest contacts
        </h2>
        {contacts.isPending ? (
          <Loading what="contacts" />
        ) : contacts.error ? (
          <Failed error={contacts.error} />
        ) : contacts.data.items.length === 0 ? (
          <Empty>No contacts yet.</Empty>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-300 dark:border-slate-600">
              <tr>
                <th className="py-2">Name</th>
                <th>Phone</th>
                <th>E-mail</th>
              </tr>
            </thead>
            <tbody>
              {contacts.data.items.map((c) => (
                <tr key={c.id} className="border-b border-slate-200 dark:border-slate-800">
                  <td className="py-2">{c.name ?? "–"}</td>
                  <td>{c.phone ?? "–"}</td>
                  <td>{c.email ?? "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
