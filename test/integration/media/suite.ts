/**
 * Media upload and download on a running stack: the bytes go through the sidecar's `mediastore`
 * binding (an S3-compatible server on the production set, a folder on the embedded one), come
 * back identical by SHA-256, reach only their own account, and a 100 MB document crosses the
 * sidecar in chunks under its default request-size limit.
 */

import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, type MediaKind } from "../../../scripts/launcher/stack.js";
import { startTestStack, type TestStack } from "../support/stack.js";

const MB = 1024 * 1024;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

export const png = (size: number) => {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) b[i] = i & 0xff;
  Buffer.from("89504e470d0a1a0a0000000d49484452", "hex").copy(b);
  return b;
};
export const pdf = (size: number) => {
  const b = Buffer.alloc(size, 0x20);
  b.write("%PDF-1.7\n");
  return b;
};

export function mediaSuite(opts: { set: "embedded" | "production"; media: MediaKind; basePort: number }) {
  describe(`media store on ${opts.set} (${opts.media})`, () => {
    let t: TestStack;
    const keys: Record<string, string> = {};
    beforeAll(async () => {
      // The S3-compatible server is started by the project's own script, like PostgreSQL.
      if (opts.media === "s3")
        execFileSync("bash", [join(REPO_ROOT, "scripts/infra.sh"), "s3"], { stdio: "inherit", timeout: 1_200_000 });
      t = await startTestStack({
        set: opts.set,
        media: opts.media,
        basePort: opts.basePort,
        appEnv: { API_RATE_LIMIT: "0" },
      });
      for (const who of ["owner", "other"]) {
        const r = await t.ops("/internal/api-keys", { method: "POST", body: { accountId: randomUUID() } });
        expect(r.status).toBe(201);
        keys[who] = (r.body as { key: string }).key;
      }
    }, 1_500_000);
    afterAll(async () => t?.stop());

    const url = (path: string) => t.stack.url(t.apiApp, path);
    const upload = async (body: Buffer | FormData, query = "") => {
      const r = await fetch(url(`/v1/media${query}`), { method: "POST", headers: { "x-api-key": keys.owner! }, body });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const download = (id: string, who = "owner") =>
      fetch(url(`/v1/media/${id}`), { headers: { "x-api-key": keys[who]! } });

    it("stores an image and a document and serves the same bytes to the owner only", async () => {
      const image = png(3 * MB + 17);
      const form = new FormData();
      form.append("file", new Blob([pdf(200_000)]), "terms.pdf");
      const a = await upload(image);
      const b = await upload(form);
      expect(a).toMatchObject({ status: 201, body: { content_type: "image/png", sha256: sha(image) } });
      expect(b).toMatchObject({ status: 201, body: { content_type: "application/pdf", filename: "terms.pdf" } });
      for (const [id, bytes] of [
        [a.body.id as string, image],
        [b.body.id as string, pdf(200_000)],
      ] as const) {
        const res = await download(id);
        expect(res.status).toBe(200);
        expect(res.headers.get("x-content-sha256")).toBe(sha(bytes));
        expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(sha(bytes));
        const theirs = await download(id, "other");
        expect(theirs.status).toBe(404);
      }
    });

    it("moves a 100 MB document through the sidecar in chunks under its 4 MiB body limit", async () => {
      const doc = pdf(100 * MB);
      const r = await upload(doc, "?channel_type=whatsapp");
      expect(r).toMatchObject({ status: 201, body: { size_bytes: 100 * MB, sha256: sha(doc) } });
      const res = await download(r.body.id as string);
      expect(sha(Buffer.from(await res.arrayBuffer()))).toBe(sha(doc));
    }, 300_000);

    it("refuses an oversized image for WhatsApp and an unknown type before storing anything", async () => {
      expect((await upload(png(6 * MB), "?channel_type=whatsapp")).body.code).toBe("media_too_large");
      expect((await upload(Buffer.concat([Buffer.from("MZ"), Buffer.alloc(9000)]))).body.code).toBe(
        "media_type_not_allowed",
      );
    });
  });
}
