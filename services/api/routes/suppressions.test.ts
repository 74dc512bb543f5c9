import { createApiKey } from "../../../db/accounts/api-keys.js";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedApi, type EmbeddedApi } from "../testkit/embedded-api.js";

/** /v1/suppressions on the embedded API: add, list with the grammar, remove, and the CSV import. */
describe("/v1/suppressions", () => {
  let api: EmbeddedApi;
  beforeAll(async () => {
    api = await startEmbeddedApi({ API_CSV_MAX_ROWS: "5" });
  });
  afterAll(async () => api.close());

  const add = (body: Record<string, unknown>) => api.call("POST", "/v1/suppressions", { body });
  const importCsv = async (csv: string, query = "") => {
    const res = await fetch(`${api.url}/v1/suppressions/import${query}`, {
      method: "POST",
      headers: { "x-api-key": api.apiKey, "content-type": "text/csv" },
      body: csv,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("adds an account-wide suppression in the stored form, links the contact, and a second add answers the first row", async () => {
    const contact = await api.call("POST", "/v1/contacts", { body: { name: "Ana", phone: "+251911000701" } });
    const first = await add({ address: "00251 911 000 701", note: "asked by phone" });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      account_id: api.accountId,
      scope: "all",
      address: "+251911000701",
      reason: "manual",
      note: "asked by phone",
      contact_id: contact.body.id,
      channel_id: null,
    });
    const again = await add({ address: "+251911000701", reason: "complaint" });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, reason: "manual" });
    const shown = await api.call("GET", `/v1/contacts/${String(contact.body.id)}`);
    expect(shown.body.opt_outs).toEqual([expect.objectContaining({ channel_scope: "all", source: "manual" })]);
  });

  it("refuses an address the scope cannot hold, naming the field", async () => {
    const r = await add({ address: "psid-1", scope: "all" });
    expect(r).toMatchObject({ status: 400, body: { code: "validation_error", field: "address" } });
    expect((await add({ address: "x@y.z", scope: "fax" })).status).toBe(400);
    expect((await add({ address: "x@y.z", reason: "bored" })).status).toBe(400);
  });

  it("lists with the filter grammar (reason, scope, address) and sort; another account's rows stay invisible", async () => {
    await add({ address: "ben@example.org", scope: "email", reason: "hard_bounce" });
    await add({ address: "5550301", scope: "telegram", reason: "opt_out_keyword" });
    const other = await createApiKey(api.db.orm, randomUUID(), "other", "admin", new Date());
    await fetch(`${api.url}/v1/suppressions`, {
      method: "POST",
      headers: { "x-api-key": other.key, "content-type": "application/json" },
      body: JSON.stringify({ address: "ben@example.org", scope: "email" }),
    });
    const bounced = await api.call("GET", "/v1/suppressions?filter=reason:eq:hard_bounce");
    expect(bounced.body).toMatchObject({ total: 1, items: [{ address: "ben@example.org", scope: "email" }] });
    const notManual = await api.call("GET", "/v1/suppressions?filter=reason:ne:manual&sort=address:asc");
    expect((notManual.body.items as { address: string }[]).map((i) => i.address)).toEqual([
      "5550301",
      "ben@example.org",
    ]);
    const byScope = await api.call(
      "GET",
      "/v1/suppressions?filter=scope:in:telegram,email&filter=address:startswith:ben",
    );
    expect(byScope.body.total).toBe(1);
    const bad = await api.call("GET", "/v1/suppressions?filter=source:eq:keyword");
    expect(bad.status).toBe(400);
  });

  it("removes a suppression; a removed or unknown id is a 404", async () => {
    const r = await add({ address: "cai@example.org", scope: "email" });
    const id = String(r.body.id);
    expect((await api.call("GET", `/v1/suppressions/${id}`)).body).toMatchObject({ address: "cai@example.org" });
    expect((await api.call("DELETE", `/v1/suppressions/${id}`)).status).toBe(204);
    expect((await api.call("DELETE", `/v1/suppressions/${id}`)).status).toBe(404);
    expect((await api.call("GET", `/v1/suppressions/${id}`)).status).toBe(404);
  });

  it("imports a CSV: defaults from the query, per-row scope and reason, bad rows reported, duplicates counted once", async () => {
    const r = await importCsv(
      [
        "address,scope,reason,note",
        "dee@example.org,,,",
        "+251911000702,sms,opt_out_keyword,STOP by letter",
        "not-a-phone,sms,,",
        "dee@example.org,,,",
        "ben@example.org,email,,",
      ].join("\n"),
      "?scope=email&reason=complaint",
    );
    expect(r).toMatchObject({
      status: 200,
      body: {
        added: 2,
        already_suppressed: 1,
        rejected: 1,
        errors: [{ line: 4, detail: expect.stringContaining("phone") }],
      },
    });
    const rows = await api.call(
      "GET",
      `/v1/suppressions?filter=${encodeURIComponent("address:in:dee@example.org,+251911000702")}&sort=address:asc`,
    );
    expect(rows.body.items).toEqual([
      expect.objectContaining({
        address: "+251911000702",
        scope: "sms",
        reason: "opt_out_keyword",
        note: "STOP by letter",
      }),
      expect.objectContaining({ address: "dee@example.org", scope: "email", reason: "complaint", note: null }),
    ]);
    const staged = await api.db.withSession((s) => s.query(`SELECT 1 FROM suppression_import_rows`));
    expect(staged.rows).toEqual([]);
  });

  it("refuses a file without an address column, with other columns, or over the row cap, adding nothing", async () => {
    expect(await importCsv("phone\n+251911000703\n")).toMatchObject({ status: 400, body: { code: "invalid_csv" } });
    expect(await importCsv("address,phone\n+251911000703,x\n")).toMatchObject({
      status: 400,
      body: { code: "invalid_csv" },
    });
    const many = ["address", ...Array.from({ length: 6 }, (_, i) => `+25191100080${i}`)].join("\n");
    expect(await importCsv(many)).toMatchObject({ status: 413, body: { code: "too_many_rows" } });
    const listed = await api.call(
      "GET",
      `/v1/suppressions?filter=${encodeURIComponent("address:startswith:+2519110008")}`,
    );
    expect(listed.body.total).toBe(0);
    await importCsv(many.split("\n").slice(0, 3).join("\n"));
    expect(
      (await api.call("GET", `/v1/suppressions?filter=${encodeURIComponent("address:startswith:+2519110008")}`)).body
        .total,
    ).toBe(2);
  });
});
