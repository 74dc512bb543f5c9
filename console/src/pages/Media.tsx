/**
 * Media: upload an image, document, audio or video to attach to messages by its id (the API
 * sniffs the type from the bytes and checks it against what the chosen channel type carries), and
 * look an upload up by id. The API keeps no list of uploads, so the page lists this session's.
 * The bytes go as the raw body (fetch), the file name in the query.
 */

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { components } from "../../../clients/typescript/index.js";
import { api, ApiProblem, fieldError, unwrap } from "../api";
import { authHeaders } from "../session";
import { Button, PageTitle, SelectField, TextField } from "../ui/controls";
import { Empty, Failed, Loading } from "../ui/states";

type Media = components["schemas"]["Media"];
const TYPES = ["", "sms", "telegram", "whatsapp", "messenger", "email"];

async function upload(file: File, channelType: string): Promise<Media> {
  const query = new URLSearchParams({ filename: file.name, ...(channelType ? { channel_type: channelType } : {}) });
  const res = await fetch(`/v1/media?${query.toString()}`, {
    method: "POST",
    headers: { ...authHeaders(), "content-type": "application/octet-stream" },
    body: file,
  });
  const body = (await res.json().catch(() => ({}))) as Partial<Media> & {
    code?: string;
    detail?: string;
    field?: string;
  };
  if (!res.ok)
    throw new ApiProblem(res.status, body.code ?? `http_${res.status}`, body.detail ?? res.statusText, body.field);
  return body as Media;
}

function MediaRow({ m }: { m: Media }) {
  return (
    <tr className="border-b border-slate-200 dark:border-slate-800">
      <td className="py-2">
        <code>{m.id}</code>
      </td>
      <td>{m.filename ?? "–"}</td>
      <td>{m.content_type}</td>
      <td>{m.size_bytes.toLocaleString()} bytes</td>
      <td>{new Date(m.expires_at).toLocaleString()}</td>
    </tr>
  );
}

export function MediaPage() {
  const [file, setFile] = useState<File>();
  const [channelType, setChannelType] = useState("");
  const [uploaded, setUploaded] = useState<Media[]>([]);
  const send = useMutation({
    mutationFn: () => {
      if (!file) throw new ApiProblem(400, "validation_error", "choose a file", "file");
      return upload(file, channelType);
    },
    onSuccess: (m) => setUploaded((all) => [m, ...all]),
  });
  const [lookup, setLookup] = useState("");
  const [wanted, setWanted] = useState("");
  const found = useQuery({
    queryKey: ["media", wanted],
    queryFn: () => unwrap(api().GET("/v1/media/{id}", { params: { path: { id: wanted } } })),
    enabled: wanted !== "",
    retry: false,
  });
  const fileError = fieldError(send.error, "file") ?? fieldError(send.error, "body");

  return (
    <div className="max-w-5xl space-y-8">
      <PageTitle>Media</PageTitle>
      <form
        className="grid items-start gap-3 md:grid-cols-3"
        noValidate
        aria-label="Upload media"
        onSubmit={(e) => {
          e.preventDefault();
          send.mutate();
        }}
      >
        <div>
          <label htmlFor="media-file" className="block text-sm font-medium">
            File
          </label>
          <input
            id="media-file"
            type="file"
            name="file"
            className="mt-1 block w-full text-sm"
            aria-invalid={Boolean(fileError)}
            aria-describedby={fileError ? "media-file-error" : undefined}
            onChange={(e) => setFile(e.target.files?.[0])}
          />
          {fileError ? (
            <p id="media-file-error" role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
              {fileError}
            </p>
          ) : null}
        </div>
        <SelectField
          label="For channel type"
          name="channel_type"
          value={channelType}
          onChange={setChannelType}
          options={TYPES.map((t) => ({ value: t, label: t || "any" }))}
          error={fieldError(send.error, "channel_type")}
        />
        <div className="pt-6">
          <Button type="submit" disabled={send.isPending}>
            Upload
          </Button>
        </div>
      </form>
      {send.error && !fileError && !fieldError(send.error, "channel_type") ? <Failed error={send.error} /> : null}
      {uploaded.length === 0 ? (
        <Empty>Nothing uploaded in this session. Uploads are kept until they expire.</Empty>
      ) : (
        <table className="w-full text-left text-sm" aria-label="Uploaded">
          <thead className="border-b border-slate-300 dark:border-slate-600">
            <tr>
              <th className="py-2">Id</th>
              <th>File</th>
              <th>Type</th>
              <th>Size</th>
              <th>Expires</th>
            </tr>
          </thead>
          <tbody>
            {uploaded.map((m) => (
              <MediaRow key={m.id} m={m} />
            ))}
          </tbody>
        </table>
      )}
      <form
        className="flex max-w-xl items-end gap-2"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setWanted(lookup.trim());
        }}
      >
        <div className="flex-1">
          <TextField label="Media id" name="media_id" value={lookup} onChange={setLookup} />
        </div>
        <Button type="submit" variant="secondary">
          Look up
        </Button>
      </form>
      {wanted === "" ? null : found.error ? (
        <Failed error={found.error} />
      ) : !found.data ? (
        <Loading what="the upload" />
      ) : (
        <table className="w-full text-left text-sm" aria-label="Found">
          <tbody>
            <MediaRow m={found.data} />
          </tbody>
        </table>
      )}
    </div>
  );
}
