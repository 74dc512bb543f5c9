/**
 * Downloads an inbound media object's bytes from where its provider said (a MediaLocation), with
 * the safety rules of any fetch the platform makes on a URL it did not choose: every hop's host
 * must resolve to a public address unless the operator allowed it (the outbound-address rule), at
 * most a few redirects, followed by hand so each target is checked and credentials never follow a
 * redirect to another origin, a timeout for the whole download, and a size cap enforced on the
 * declared length and again on the bytes as they arrive. The connection goes to the very address
 * that was checked (no second resolution can swap it between the check and the connect).
 */

import type { LookupAddress } from "node:dns";
import { Agent, request, type Dispatcher } from "undici";
import { SendError } from "../../core/dispatch/send-error.js";
import { checkedDestination, type CheckedDestination, type Lookup, type OutboundPolicy } from "./outbound-address.js";
import { Redactor } from "./secrets.js";
import type { MediaLocation } from "./types.js";

export interface MediaDownloadOptions {
  policy: OutboundPolicy;
  maxBytes: number;
  timeoutMs: number;
  /** A MockAgent in tests; without it each hop connects through an agent pinned to the checked address. */
  dispatcher?: Dispatcher;
  /** Name resolution, replaceable in tests. */
  lookup?: Lookup;
}

export interface MediaDownload {
  /** The Content-Length the server declared, when it did. */
  declaredBytes: number | undefined;
  /** The body; throws `media_too_large` past maxBytes. */
  body: AsyncIterable<Buffer>;
}

/** Redirects followed at most: Twilio's MediaUrl answers one (to its CDN); more is not a media server. */
export const MAX_MEDIA_REDIRECTS = 3;

const permanent = (code: string, message: string) => new SendError({ kind: "permanent", code, message });

export async function downloadMedia(location: MediaLocation, opts: MediaDownloadOptions): Promise<MediaDownload> {
  const redactor = new Redactor([...location.secrets]);
  const signal = AbortSignal.timeout(opts.timeoutMs);
  let url = location.url;
  let headers = location.headers;
  for (let hop = 0; ; hop++) {
    const target = parseHttpUrl(url, redactor);
    const destination = await checkedDestination(target.hostname, opts.policy, opts.lookup);
    const pinned = opts.dispatcher ? undefined : pinnedAgent(destination);
    const release = () => void pinned?.close().catch(() => undefined);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: "GET", headers, dispatcher: opts.dispatcher ?? pinned, signal });
    } catch (err) {
      release();
      throw new SendError({
        kind: "retryable",
        code: "provider_unreachable",
        message: redactor.text(`media download failed: ${err instanceof Error ? err.message : String(err)}`),
      });
    }
    const status = res.statusCode;
    if (status >= 300 && status < 400 && status !== 304) {
      await res.body.dump();
      release();
      const next = res.headers.location;
      if (typeof next !== "string" || hop >= MAX_MEDIA_REDIRECTS)
        throw permanent("media_download_failed", `media download: redirect ${status} not followed`);
      const resolved = new URL(next, url).toString();
      // Credentials are for the provider's own origin only.
      if (new URL(resolved).origin !== target.origin) headers = {};
      url = resolved;
      continue;
    }
    if (status < 200 || status >= 300) {
      await res.body.dump();
      release();
      throw new SendError({
        kind: status >= 500 || status === 429 ? "retryable" : "permanent",
        code: status >= 500 || status === 429 ? "provider_unavailable" : "media_download_failed",
        status,
        message: `media download answered HTTP ${status}`,
      });
    }
    const length = Number(res.headers["content-length"]);
    const declaredBytes = Number.isFinite(length) && length >= 0 ? length : undefined;
    if (declaredBytes !== undefined && declaredBytes > opts.maxBytes) {
      res.body.destroy();
      release();
      throw tooLarge(opts.maxBytes);
    }
    return { declaredBytes, body: capped(res.body, opts.maxBytes, release) };
  }
}

function tooLarge(max: number): SendError {
  return permanent("media_too_large", `the media object is larger than ${max} bytes`);
}

/** An agent whose connections resolve the host to the checked address and nothing else. */
function pinnedAgent(dest: CheckedDestination): Agent {
  const lookup = (
    _host: string,
    options: { all?: boolean },
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    if (options.all) callback(null, [{ address: dest.address, family: dest.family }]);
    else callback(null, dest.address, dest.family);
  };
  return new Agent({ connect: { lookup } as never, connections: 1 });
}

async function* capped(
  body: Dispatcher.ResponseData["body"],
  maxBytes: number,
  done: () => void,
): AsyncGenerator<Buffer> {
  let seen = 0;
  try {
    for await (const piece of body) {
      const buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as Uint8Array);
      seen += buf.length;
      if (seen > maxBytes) throw tooLarge(maxBytes);
      yield buf;
    }
  } finally {
    if (!body.destroyed) body.destroy();
    done();
  }
}

function parseHttpUrl(text: string, redactor: Redactor): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw permanent("media_download_failed", redactor.text(`not a URL: ${text}`));
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw permanent("media_download_failed", `media URL scheme ${url.protocol} is not HTTP`);
  return url;
}
