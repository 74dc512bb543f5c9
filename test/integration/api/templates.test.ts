import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { account, startHarness, type Harness } from "./harness.js";

describe("/v1/templates", () => {
  let h: Harness;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  beforeAll(async () => {
    h = await startHarness();
    a = await account(h);
    b = await account(h);
  });
  afterAll(async () => h.close());

  const create = (body: Record<string, unknown>, token = a.token) =>
    h.call("POST", "/v1/templates", { token, body: { name: `t-${randomUUID()}`, ...body } });

  it("extracts variables on save and again when the body changes", async () => {
    const t = await create({
      body: "Hi {FIRST_NAME}, your code is {CODE}. Bye {FIRST_NAME}",
      category: "otp",
      default_values: { CODE: "0000" },
      fallback_strategy: "use_default",
    });
    expect(t.status).toBe(201);
    expect(t.body).toMatchObject({
      variables: ["FIRST_NAME", "CODE"],
      default_values: { CODE: "0000" },
      fallback_strategy: "use_default",
      is_active: true,
      category: "otp",
    });
    const changed = await h.call("PATCH", `/v1/templates/${t.body.id}`, {
      token: a.token,
      body: { body: "Dear {NAME}, {CODE}" },
    });
    expect(changed.body.variables).toEqual(["NAME", "CODE"]);
    // A body that drops a variable which still has a default is refused, naming the default.
    const orphan = await h.call("PATCH", `/v1/templates/${t.body.id}`, {
      token: a.token,
      body: { body: "Dear {NAME}" },
    });
    expect(orphan.body).toMatchObject({ code: "validation_error", field: "default_values.CODE" });
    expect((await create({ body: "Hi {A}", default_values: { B: "x" } })).body).toMatchObject({
      field: "default_values.B",
    });
  });

  it("previews for a stored contact with GSM-7 and UCS-2 segment counts", async () => {
    const contact = (
      await h.call("POST", "/v1/contacts", {
        token: a.token,
        body: { name: "Abebe Bikila", metadata: { city: "Addis Ababa" } },
      })
    ).body;
    const t = (await create({ body: "Selam {FIRST_NAME} from {CITY}! {LONG}" })).body;
    const p = await h.call("POST", `/v1/templates/${t.id}/preview`, {
      token: a.token,
      body: { contact_id: contact.id, custom_values: { LONG: "x".repeat(150) } },
    });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({
      skipped: false,
      missing_variables: [],
      sms: { encoding: "gsm7", segments: 2, per_segment: 153 },
    });
    expect(p.body.rendered.startsWith("Selam Abebe from Addis Ababa! x")).toBe(true);
    const amharic = await h.call("POST", "/v1/templates/preview", {
      token: a.token,
      body: { body: "ሰላም {NAME}", contact: { name: "አበበ" } },
    });
    expect(amharic.body).toMatchObject({
      rendered: "ሰላም አበበ",
      sms: { encoding: "ucs2", segments: 1, units: 7, per_segment: 70 },
    });
    const seventyOne = await h.call("POST", "/v1/templates/preview", {
      token: a.token,
      body: { body: "ሰ".repeat(71) },
    });
    expect(seventyOne.body.sms).toMatchObject({ encoding: "ucs2", segments: 2, per_segment: 67 });
    const euro = await h.call("POST", "/v1/templates/preview", { token: a.token, body: { body: "€".repeat(80) } });
    expect(euro.body.sms).toMatchObject({ encoding: "gsm7", units: 160, segments: 1 });
  });

  it("applies keep, use_default and skip exactly", async () => {
    const body = "Hi {NAME}, code {CODE}";
    const keep = (await create({ body, fallback_strategy: "keep" })).body;
    const def = (await create({ body, fallback_strategy: "use_default", default_values: { NAME: "friend" } })).body;
    const skip = (await create({ body, fallback_strategy: "skip" })).body;
    const preview = async (id: string) =>
      (await h.call("POST", `/v1/templates/${id}/preview`, { token: a.token, body: { custom_values: { CODE: "7" } } }))
        .body;
    expect(await preview(keep.id)).toMatchObject({
      rendered: "Hi {NAME}, code 7",
      skipped: false,
      missing_variables: ["NAME"],
    });
    expect(await preview(def.id)).toMatchObject({
      rendered: "Hi friend, code 7",
      skipped: false,
      defaulted_variables: ["NAME"],
    });
    expect(await preview(skip.id)).toMatchObject({ rendered: "", skipped: true, missing_variables: ["NAME"] });
  });

  it("lists, filters, sorts; isolates accounts", async () => {
    const c = await account(h);
    for (const [name, category] of [
      ["welcome", "onboarding"],
      ["otp", "security"],
      ["reset", "security"],
    ])
      await create({ name, category, body: "x" }, c.token);
    const sec = await h.call("GET", "/v1/templates", {
      token: c.token,
      query: { filter: "category:eq:security", sort: "name:asc" },
    });
    expect(sec.body.items.map((t: { name: string }) => t.name)).toEqual(["otp", "reset"]);
    const t = (await create({ body: "mine" })).body;
    expect((await h.call("GET", `/v1/templates/${t.id}`, { token: b.token })).status).toBe(404);
    expect((await h.call("PATCH", `/v1/templates/${t.id}`, { token: b.token, body: { body: "theirs" } })).status).toBe(
      404,
    );
    expect((await h.call("POST", `/v1/templates/${t.id}/preview`, { token: b.token, body: {} })).status).toBe(404);
    expect((await h.call("DELETE", `/v1/templates/${t.id}`, { token: b.token })).status).toBe(404);
    const otherContact = (await h.call("POST", "/v1/contacts", { token: b.token, body: { name: "B" } })).body;
    expect(
      (await h.call("POST", `/v1/templates/${t.id}/preview`, { token: a.token, body: { contact_id: otherContact.id } }))
        .body,
    ).toMatchObject({ code: "invalid_reference", field: "contact_id" });
    expect((await h.call("DELETE", `/v1/templates/${t.id}`, { token: a.token })).status).toBe(204);
  });

  it("refuses a duplicate name and users without the manage permission", async () => {
    await create({ name: "same", body: "x" });
    expect((await create({ name: "same", body: "y" })).body).toMatchObject({ code: "duplicate", field: "name" });
    const user = await h.token({ accounts: [a.id], groups: ["user"] });
    expect((await create({ body: "x" }, user)).status).toBe(403);
    expect((await h.call("GET", "/v1/templates", { token: user })).status).toBe(200);
  });
});
