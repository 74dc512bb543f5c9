import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertChannel } from "../../../db/testkit/embedded.js";
import { startEmbeddedApi, type EmbeddedApi } from "../testkit/embedded-api.js";

describe("rendering limits at the REST API", () => {
  let api: EmbeddedApi;
  beforeAll(async () => {
    api = await startEmbeddedApi();
  }, 60_000);
  afterAll(async () => api.close());

  it("the measured preview attack answers 400 rendered_too_long", async () => {
    const res = await api.call("POST", "/v1/templates/preview", {
      body: { body: "{A}".repeat(21_845), custom_values: { A: "x".repeat(1000) } },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "rendered_too_long", detail: expect.stringMatching(/262144/) });
  });

  it("a stored contact with a long metadata value is refused at the door, never a 500", async () => {
    const big = await api.call("POST", "/v1/contacts", {
      body: { name: "Big", metadata: { note: "y".repeat(24_600) } },
    });
    expect(big.status).toBe(400);
    expect(big.body).toMatchObject({ code: "validation_error" });
    const many = await api.call("POST", "/v1/contacts", {
      body: { name: "Many", metadata: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, "v"])) },
    });
    expect(many.status).toBe(400);
    const ok = await api.call("POST", "/v1/contacts", { body: { name: "Ok", metadata: { note: "y".repeat(1000) } } });
    expect(ok.status).toBe(201);
    const preview = await api.call("POST", "/v1/templates/preview", {
      body: { body: "{NOTE}".repeat(10_000), contact_id: ok.body.id },
    });
    expect(preview.status).toBe(400);
    expect(preview.body.code).toBe("rendered_too_long");
  });

  it("a template names at most 100 variables; custom values at most 100", async () => {
    const vars = (n: number) => Array.from({ length: n }, (_, i) => `{V${i}}`).join(" ");
    const create = await api.call("POST", "/v1/templates", { body: { name: "many", body: vars(101) } });
    expect(create.status).toBe(400);
    expect(create.body.code).toBe("too_many_variables");
    expect((await api.call("POST", "/v1/templates", { body: { name: "enough", body: vars(100) } })).status).toBe(201);
    const values = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`V${i}`, "v"]));
    const preview = await api.call("POST", "/v1/templates/preview", { body: { body: "hi", custom_values: values } });
    expect(preview.status).toBe(400);
  });
});

describe("rendering limits on sends", () => {
  let api: EmbeddedApi;
  let telegram: string;
  beforeAll(async () => {
    api = await startEmbeddedApi();
    telegram = await insertChannel(api.db, api.accountId, { channelType: "telegram", provider: "default" });
  }, 60_000);
  afterAll(async () => api.close());

  it("a message longer than its channel allows is a 400, as given or rendered", async () => {
    const asGiven = await api.call("POST", "/v1/messages", {
      body: { channel_id: telegram, delivery_address: "12345", message_body: "x".repeat(4097) },
    });
    expect(asGiven.status).toBe(400);
    expect(asGiven.body).toMatchObject({ code: "rendered_too_long", field: "body" });
    const t = await api.call("POST", "/v1/templates", { body: { name: "t", body: "Hi {A}{A}{A}{A}{A}" } });
    const rendered = await api.call("POST", "/v1/messages", {
      body: {
        channel_id: telegram,
        delivery_address: "12345",
        template_id: t.body.id,
        custom_values: { A: "y".repeat(1000) },
      },
    });
    expect(rendered.status).toBe(400);
    expect(rendered.body.code).toBe("rendered_too_long");
    const fits = await api.call("POST", "/v1/messages", {
      body: {
        channel_id: telegram,
        delivery_address: "12345",
        template_id: t.body.id,
        custom_values: { A: "y".repeat(800) },
      },
    });
    expect(fits.status).toBe(201);
  });

  it("a group message already too long with its own values is a 400", async () => {
    const g = await api.call("POST", "/v1/contact-groups", { body: { name: "g" } });
    const res = await api.call("POST", "/v1/group-messages", {
      body: { channel_id: telegram, contact_group_ids: [g.body.id], message_body: "z".repeat(4097) },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("rendered_too_long");
    const draft = await api.call("POST", "/v1/group-messages", {
      body: { channel_id: telegram, contact_group_ids: [g.body.id], message_body: "short" },
    });
    expect(draft.status).toBe(201);
    const patched = await api.call("PATCH", `/v1/group-messages/${draft.body.id as string}`, {
      body: { message_body: "z".repeat(4097) },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.code).toBe("rendered_too_long");
  });
});
