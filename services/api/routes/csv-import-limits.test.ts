import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedApi, type EmbeddedApi } from "../testkit/embedded-api.js";

/** Starts an import that sends its header row and then stalls; the request stays open until `end`. */
function stalledUpload(api: EmbeddedApi, groupId: string) {
  const req = request(`${api.url}/v1/contact-groups/${groupId}/import`, {
    method: "POST",
    headers: { "x-api-key": api.apiKey, "content-type": "text/csv", "transfer-encoding": "chunked" },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on("response", (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
  });
  // Destroying the request to end a test rejects this; the tests that read it await it first.
  response.catch(() => undefined);
  req.write("name,phone\nAna,+251911000001\n");
  return { response, end: () => req.destroy() };
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms))]);

describe("CSV imports and the database", () => {
  let api: EmbeddedApi;
  beforeAll(async () => {
    api = await startEmbeddedApi({ API_CSV_UPLOAD_TIMEOUT_SECONDS: "3", API_CSV_MAX_CONCURRENT_PER_ACCOUNT: "2" });
  }, 60_000);
  afterAll(async () => api.close());

  const group = async () =>
    (await api.call("POST", "/v1/contact-groups", { body: { name: `g-${Math.random()}` } })).body.id as string;

  it("a stalled upload holds no transaction: other requests are answered meanwhile", async () => {
    const g = await group();
    const upload = stalledUpload(api, g);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const other = await within(api.call("GET", "/v1/contacts"), 3_000);
      expect(other).not.toBe("timeout");
      expect((other as { status: number }).status).toBe(200);
    } finally {
      upload.end();
    }
  });

  it("an upload that does not finish within the deadline is refused with 408", async () => {
    const g = await group();
    const upload = stalledUpload(api, g);
    const res = await within(upload.response, 8_000);
    upload.end();
    expect(res).not.toBe("timeout");
    expect((res as { status: number }).status).toBe(408);
    expect(JSON.parse((res as { body: string }).body)).toMatchObject({ code: "upload_timeout" });
  });

  it("an account runs at most two imports at once: the third is a 429", async () => {
    const g = await group();
    const uploads = [stalledUpload(api, g), stalledUpload(api, g)];
    try {
      await new Promise((r) => setTimeout(r, 300));
      const third = await within(
        fetch(`${api.url}/v1/contact-groups/${g}/import`, {
          method: "POST",
          headers: { "x-api-key": api.apiKey, "content-type": "text/csv" },
          body: "name\nBo\n",
        }),
        2_000,
      );
      expect(third).not.toBe("timeout");
      expect((third as Response).status).toBe(429);
      expect(await (third as Response).json()).toMatchObject({ code: "too_many_imports" });
    } finally {
      for (const u of uploads) u.end();
    }
  });

  it("a finished upload lands every row at once; a broken one leaves nothing, staged rows included", async () => {
    const post = (g: string, body: string) =>
      fetch(`${api.url}/v1/contact-groups/${g}/import`, {
        method: "POST",
        headers: { "x-api-key": api.apiKey, "content-type": "text/csv" },
        body,
      });
    const g = await group();
    const rows = Array.from({ length: 2_500 }, (_, i) => `C${i},+2519${String(i).padStart(8, "0")}`).join("\n");
    const ok = await post(g, `name,phone\n${rows}\n`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ imported: 2_500, group: { member_count: 2_500 } });
    const broken = await group();
    const bad = await post(broken, `name,phone\n${rows}\n"unterminated,+2519\n`);
    expect(bad.status).toBe(400);
    expect((await api.call("GET", `/v1/contact-groups/${broken}`)).body.member_count).toBe(0);
    const staged = await api.db.withSession((s) =>
      s.query<{ n: number }>("SELECT count(*)::int AS n FROM contact_import_rows"),
    );
    expect(staged.rows[0]!.n).toBe(0);
  });
});
