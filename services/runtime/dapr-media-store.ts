/**
 * The media store through our sidecar's output binding `mediastore` (components/media/<kind>):
 * bindings.localstorage in the embedded set, bindings.aws.s3 in production. Which one is loaded is
 * the component YAML's choice alone; both take the same requests here. Chunk bytes travel as
 * base64 (binding data is JSON): the local store decodes any base64 it is given, the S3 component
 * does with `decodeBase64: "true"`; both answer a get with the raw bytes.
 */

import { MediaNotStoredError, type MediaStore } from "../../core/media/store.js";

export interface DaprMediaStoreOptions {
  /** The sidecar's HTTP address, e.g. http://127.0.0.1:3500. */
  daprUrl: string;
  daprApiToken?: string;
  /** The binding's component name. */
  binding?: string;
  /** Per request; a 2 MiB chunk to a local S3 server takes milliseconds. */
  timeoutMs?: number;
}

/** What the two components say when an object is absent (aws.s3: "object not found"; localstorage: "file not found"). */
const NOT_FOUND = /object not found|file not found|no such file|NoSuchKey/i;

export class DaprMediaStore implements MediaStore {
  private readonly url: string;
  private readonly timeoutMs: number;

  constructor(private readonly opts: DaprMediaStoreOptions) {
    this.url = `${opts.daprUrl.replace(/\/$/, "")}/v1.0/bindings/${opts.binding ?? "mediastore"}`;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  async putChunk(key: string, bytes: Buffer): Promise<void> {
    await this.invoke("create", key, bytes.toString("base64"));
  }

  async getChunk(key: string): Promise<Buffer> {
    const res = await this.invoke("get", key);
    return Buffer.from(await res.arrayBuffer());
  }

  async deleteChunk(key: string): Promise<void> {
    try {
      await this.invoke("delete", key);
    } catch (err) {
      if (!(err instanceof MediaNotStoredError)) throw err;
    }
  }

  private async invoke(operation: "create" | "get" | "delete", key: string, data?: string): Promise<Response> {
    const res = await fetch(this.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(this.opts.daprApiToken ? { "dapr-api-token": this.opts.daprApiToken } : {}),
      },
      // `key` names the object for aws.s3, `fileName` for localstorage; each ignores the other.
      body: JSON.stringify({ operation, data, metadata: { key, fileName: key } }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (res.ok) return res;
    const text = await res.text().catch(() => "");
    if (NOT_FOUND.test(text)) throw new MediaNotStoredError(key);
    throw new Error(`media store ${operation} ${key}: HTTP ${res.status} ${text.slice(0, 300)}`);
  }
}
