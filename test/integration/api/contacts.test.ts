import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { account, startHarness, type Harness } from "./harness.js";

/** A CSV body produced row by row, so neither side holds the whole file. */
function csvStream(
  rows: number,
  header = "name,phone,email,city",
  row = (i: number) => `Contact ${i},+2519${String(i).padStart(8, "0")},c${i}@example.com,Addis`,
): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let i = -1;
  return new ReadableStream({
    pull(controller) {
      const lines: string[] = [];
      for (let n = 0; n < 2000 && i < rows; n++, i++) lines.push(i < 0 ? header : row(i));
      if (lines.length === 0) controller.close();
      else controller.enqueue(enc.encode(`${lines.join("\n")}\n`));
    },
  });
}

describe("/v1/contacts and /v1/contact-groups", () => {
  let h: Harness;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  beforeAll(async () => {
    h = await startHarness({ API_CSV_MAX_BYTES: String(20 * 1024 * 1024) });
    a = await account(h);
    b = await account(h);
  });
  afterAll(async () => h.close());

  const group = async (token = a.token) =>
    (await h.call("POST", "/v1/contact-groups", { token, body: { name: `g-${randomUUID()}` } })).body as { id: string };
  const importCsv = (
    groupId: string,
    raw: string | ReadableStream<Uint8Array>,
    token = a.token,
    contentType = "text/csv",
  ) => h.call("POST", `/v1/contact-groups/${groupId}/import`, { token, raw, contentType });

  it("a contact lists its opt-outs and suppressions with scope, source, reason and time; the list does not", async () => {
    const c = await h.call("POST", "/v1/contacts", {
      token: a.token,
      body: { name: "Ana", phone: "251911000401", email: "Ana@Example.org" },
    });
    expect((await h.call("GET", `/v1/contacts/${c.body.id}`, { token: a.token })).body.opt_outs).toEqual([]);
    await h.db.withSession((s) =>
      s.query(
        `INSERT INTO contact_opt_outs (account_id, channel_scope, address, contact_id, source, reason, created_at) VALUES
           ($1, 'email', 'ana@example.org', NULL, 'bounce', 'bounce:Permanent/General: smtp; 550 5.1.1 user unknown', '2026-03-10T12:00:00Z'),
           ($1, 'sms', '+251911000401', $2, 'keyword', 'STOP', '2026-03-10T12:01:00Z'),
           ($3, 'email', 'ana@example.org', NULL, 'bounce', 'another account', '2026-03-10T12:00:00Z')`,
        [a.id, c.body.id, b.id],
      ),
    );
    const got = await h.call("GET", `/v1/contacts/${c.body.id}`, { token: a.token });
    expect(got.status).toBe(200);
    expect(got.body.opt_outs).toEqual([
      {
        channel_scope: "email",
        address: "ana@example.org",
        source: "bounce",
        reason: "bounce:Permanent/General: smtp; 550 5.1.1 user unknown",
        channel_id: null,
        created_at: "2026-03-10T12:00:00.000Z",
      },
      {
        channel_scope: "sms",
        address: "+251911000401",
        source: "keyword",
        reason: "STOP",
        channel_id: null,
        created_at: "2026-03-10T12:01:00.000Z",
      },
    ]);
    const listed = await h.call("GET", "/v1/contacts", { token: a.token, query: { filter: [`id:eq:${c.body.id}`] } });
    expect(listed.body.items[0].opt_outs).toBeUndefined();
  });

  it("CRUD for contacts, with validation naming the field", async () => {
    const c = await h.call("POST", "/v1/contacts", {
      token: a.token,
      body: { name: "Abebe", phone: "+251911000000", email: "abebe@example.com", metadata: { tier: "gold" } },
    });
    expect(c.status).toBe(201);
    expect(
      (await h.call("PATCH", `/v1/contacts/${c.body.id}`, { token: a.token, body: { phone: "+251911111111" } })).body
        .phone,
    ).toBe("+251911111111");
    expect((await h.call("POST", "/v1/contacts", { token: a.token, body: { email: "nope" } })).body.field).toBe(
      "email",
    );
    expect((await h.call("POST", "/v1/contacts", { token: a.token, body: {} })).body.field).toBe("name");
    expect((await h.call("GET", `/v1/contacts/${c.body.id}`, { token: b.token })).status).toBe(404);
    expect((await h.call("PATCH", `/v1/contacts/${c.body.id}`, { token: b.token, body: { name: "x" } })).status).toBe(
      404,
    );
    expect((await h.call("DELETE", `/v1/contacts/${c.body.id}`, { token: b.token })).status).toBe(404);
    expect((await h.call("DELETE", `/v1/contacts/${c.body.id}`, { token: a.token })).status).toBe(204);
  });

  it("manages membership and lists a group's contacts through group_id filters", async () => {
    const g1 = await group();
    const g2 = await group();
    const ids: string[] = [];
    for (const n of ["x", "y", "z"])
      ids.push((await h.call("POST", "/v1/contacts", { token: a.token, body: { name: n } })).body.id);
    const theirs = (await h.call("POST", "/v1/contacts", { token: b.token, body: { name: "theirs" } })).body.id;
    const added = await h.call("POST", `/v1/contact-groups/${g1.id}/members`, {
      token: a.token,
      body: { contact_ids: [ids[0], ids[1], theirs] },
    });
    expect(added.body).toMatchObject({ added: 2, unknown_contact_ids: [theirs], group: { member_count: 2 } });
    await h.call("POST", `/v1/contact-groups/${g2.id}/members`, { token: a.token, body: { contact_ids: [ids[2]] } });
    const inG1 = await h.call("GET", "/v1/contacts", {
      token: a.token,
      query: { filter: `group_id:eq:${g1.id}`, sort: "name:asc" },
    });
    expect(inG1.body.items.map((c: { name: string }) => c.name)).toEqual(["x", "y"]);
    expect(
      (await h.call("GET", "/v1/contacts", { token: a.token, query: { filter: `group_id:in:${g1.id},${g2.id}` } })).body
        .total,
    ).toBe(3);
    expect(
      (await h.call("GET", "/v1/contacts", { token: b.token, query: { filter: `group_id:eq:${g1.id}` } })).body.total,
    ).toBe(0);
    expect((await h.call("DELETE", `/v1/contact-groups/${g1.id}/members/${ids[0]}`, { token: a.token })).status).toBe(
      204,
    );
    expect((await h.call("GET", `/v1/contact-groups/${g1.id}`, { token: a.token })).body.member_count).toBe(1);
    expect(
      (await h.call("POST", `/v1/contact-groups/${g1.id}/members`, { token: b.token, body: { contact_ids: [theirs] } }))
        .status,
    ).toBe(404);
  });

  it("imports 100,000 CSV rows streamed into a group", async () => {
    const g = await group();
    const res = await importCsv(g.id, csvStream(100_000));
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ imported: 100_000, rejected: 0, errors: [], group: { member_count: 100_000 } });
    const page = await h.call("GET", "/v1/contacts", {
      token: a.token,
      query: { filter: [`group_id:eq:${g.id}`, "name:eq:Contact 99999"] },
    });
    expect(page.body.items[0]).toMatchObject({
      phone: "+251900099999",
      email: "c99999@example.com",
      metadata: { city: "Addis" },
    });
  }, 120_000);

  it("reports bad rows by line and imports the rest", async () => {
    const g = await group();
    const csv =
      'name,email,phone\nGood One,good@example.com,+251911000001\nBad Email,not-an-email,\n,,\nNo Contact,,\u0000\n"Quoted, Name",q@example.com,\n';
    const res = await importCsv(g.id, csv);
    expect(res.body).toMatchObject({ imported: 2, rejected: 3 });
    expect(res.body.errors).toEqual([
      { line: 3, detail: "email: must be an e-mail address" },
      { line: 4, detail: "a contact needs a name, email or phone" },
      { line: 5, detail: "phone: contains a NUL character" },
    ]);
  });

  it("fails the whole import on a malformed file, a bad header, too much data, or the wrong type", async () => {
    const g = await group();
    const malformed = await importCsv(g.id, 'name,phone\n"unterminated,+2519\nok,+251911\n');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe("invalid_csv");
    expect((await importCsv(g.id, "first,last\nA,B\n")).body.code).toBe("invalid_csv");
    expect((await importCsv(g.id, "name,name\nA,B\n")).body.code).toBe("invalid_csv");
    expect((await importCsv(g.id, "name,phone\nA,+251911000000,extra\n")).body.code).toBe("invalid_csv");
    expect((await importCsv(g.id, "name\nA\n", a.token, "application/json")).status).toBe(415);
    expect((await h.call("GET", `/v1/contact-groups/${g.id}`, { token: a.token })).body.member_count).toBe(0);
    expect((await importCsv(g.id, "name\nA\n", b.token)).status).toBe(404);
  });

  it("refuses a file over the byte limit (413) and leaves nothing behind", async () => {
    const small = await startHarness({ API_CSV_MAX_BYTES: "10000" });
    try {
      const sa = await account(small);
      const g = (await small.call("POST", "/v1/contact-groups", { token: sa.token, body: { name: "g" } })).body;
      const res = await small.call("POST", `/v1/contact-groups/${g.id}/import`, {
        token: sa.token,
        raw: csvStream(5_000),
        contentType: "text/csv",
      });
      expect(res.status).toBe(413);
      expect(res.body.code).toBe("payload_too_large");
      expect((await small.call("GET", `/v1/contact-groups/${g.id}`, { token: sa.token })).body.member_count).toBe(0);
      expect((await small.call("GET", "/v1/contacts", { token: sa.token })).body.total).toBe(0);
    } finally {
      await small.close();
    }
  });

  it("stalled uploads hold no pooled connection: with a pool of 2, other requests are still answered", async () => {
    const tight = await startHarness({ API_CSV_MAX_CONCURRENT_PER_ACCOUNT: "5" }, { poolMax: 2 });
    const stalled: AbortController[] = [];
    try {
      const ta = await account(tight);
      const g = (await tight.call("POST", "/v1/contact-groups", { token: ta.token, body: { name: "g" } })).body;
      for (let i = 0; i < 3; i++) {
        const ctl = new AbortController();
        stalled.push(ctl);
        // A header row and one contact, then nothing: the upload stays open.
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(`name,phone\nStalled ${i},+25191100000${i}\n`));
          },
        });
        void fetch(`${tight.url}/v1/contact-groups/${g.id}/import`, {
          method: "POST",
          headers: { authorization: `Bearer ${ta.token}`, "content-type": "text/csv" },
          body,
          duplex: "half",
          signal: ctl.signal,
        }).catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 1_000));
      const started = Date.now();
      const list = await tight.call("GET", "/v1/contacts", { token: ta.token });
      expect(list.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const ctl of stalled) ctl.abort();
      await tight.close();
    }
  });

  it("group CRUD with duplicate names refused", async () => {
    const g = (
      await h.call("POST", "/v1/contact-groups", { token: a.token, body: { name: "VIP", description: "best" } })
    ).body;
    expect((await h.call("POST", "/v1/contact-groups", { token: a.token, body: { name: "VIP" } })).body).toMatchObject({
      code: "duplicate",
      field: "name",
    });
    expect(
      (await h.call("PATCH", `/v1/contact-groups/${g.id}`, { token: a.token, body: { description: "better" } })).body
        .description,
    ).toBe("better");
    expect(
      (await h.call("GET", "/v1/contact-groups", { token: a.token, query: { filter: "name:eq:VIP" } })).body.total,
    ).toBe(1);
    expect((await h.call("DELETE", `/v1/contact-groups/${g.id}`, { token: b.token })).status).toBe(404);
    expect((await h.call("DELETE", `/v1/contact-groups/${g.id}`, { token: a.token })).status).toBe(204);
  });
});
