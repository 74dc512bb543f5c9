import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { account, makeChannel, startHarness, telegramCreds, type Harness, type Loose } from "./harness.js";

const twilio = { account_sid: `AC${"a".repeat(32)}`, auth_token: "twilio-auth-token-0123456789", from: "+15005550006" };

describe("/v1/channels", () => {
  let h: Harness;
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  beforeAll(async () => {
    h = await startHarness();
    a = await account(h);
    b = await account(h);
  });
  afterAll(async () => h.close());

  it("creates, reads, updates and deletes a channel", async () => {
    const created = await h.call("POST", "/v1/channels", {
      token: a.token,
      body: {
        name: "SMS main",
        channel_type: "sms",
        provider: "twilio",
        credentials: twilio,
        rate_limit: 600,
        burst: 50,
        priority: 5,
        sender_name: "Turumba",
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`/v1/channels/${created.body.id}`);
    expect(created.body).toMatchObject({
      account_id: a.id,
      name: "SMS main",
      channel_type: "sms",
      provider: "twilio",
      status: "active",
      rate_limit: 600,
      burst: 50,
      priority: 5,
    });
    const id = created.body.id as string;
    expect((await h.call("GET", `/v1/channels/${id}`, { token: a.token })).body.name).toBe("SMS main");
    const patched = await h.call("PATCH", `/v1/channels/${id}`, {
      token: a.token,
      body: { name: "SMS primary", rate_limit: 1200 },
    });
    expect(patched.body).toMatchObject({ name: "SMS primary", rate_limit: 1200 });
    expect(h.publisher.on("channel.updated").some((e) => e.data.channelId === id)).toBe(true);
    expect((await h.call("DELETE", `/v1/channels/${id}`, { token: a.token })).status).toBe(204);
    expect((await h.call("GET", `/v1/channels/${id}`, { token: a.token })).status).toBe(404);
  });

  it("never returns secret credentials, stores them as ciphertext, and never logs them", async () => {
    const created = await h.call("POST", "/v1/channels", {
      token: a.token,
      body: { name: `sms-${randomUUID()}`, channel_type: "sms", provider: "twilio", credentials: twilio },
    });
    // Only the provider's secret fields are write-only; the others come back so an edit form can show them.
    const shown = { account_sid: twilio.account_sid, auth_token: "********", from: twilio.from };
    expect(created.body.credentials).toEqual(shown);
    const listed = await h.call("GET", "/v1/channels", { token: a.token });
    expect(listed.body.items.find((c: Loose) => c.id === created.body.id).credentials).toEqual(shown);
    for (const res of [created, await h.call("GET", `/v1/channels/${created.body.id}`, { token: a.token }), listed]) {
      expect(res.text).not.toContain(twilio.auth_token);
    }
    expect((await h.call("GET", `/v1/channels/${created.body.id}`, { token: a.token })).body.credentials).toEqual(
      shown,
    );
    const raw = await h.db.withSession((s) =>
      s.query<Record<string, string>>("SELECT * FROM channels WHERE id = $1", [created.body.id]),
    );
    const row = JSON.stringify(raw.rows[0]);
    expect(row).not.toContain(twilio.auth_token);
    expect(row).not.toContain("AC" + "a".repeat(32));
    expect(raw.rows[0]!.credentials_key_id).toBe("test1");
    expect(
      h.box.openJson(
        { keyId: "test1", ciphertext: raw.rows[0]!.credentials_ciphertext! },
        `channel:${created.body.id}:credentials`,
      ),
    ).toEqual(twilio);
    // Replacing credentials re-seals them; the response still masks the secret.
    const rotated = await h.call("PATCH", `/v1/channels/${created.body.id}`, {
      token: a.token,
      body: { credentials: { ...twilio, auth_token: "another-token-0123456789" } },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.text).not.toContain("another-token");
    expect(rotated.body.credentials.auth_token).toBe("********");
    expect(h.logs.join("")).not.toContain(twilio.auth_token);
    expect(h.logs.join("")).not.toContain("another-token");
  });

  it("validates credentials per channel type and provider, naming the field", async () => {
    const bad = await h.call("POST", "/v1/channels", {
      token: a.token,
      body: { name: "x1", channel_type: "sms", provider: "twilio", credentials: { ...twilio, account_sid: "nope" } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "validation_error", field: "credentials.account_sid" });
    expect(bad.text).not.toContain(twilio.auth_token);
    const noProvider = await h.call("POST", "/v1/channels", {
      token: a.token,
      body: { name: "x2", channel_type: "sms", credentials: twilio },
    });
    expect(noProvider.body).toMatchObject({ code: "validation_error", field: "provider" });
    const wrongType = await h.call("POST", "/v1/channels", {
      token: a.token,
      body: { name: "x3", channel_type: "telegram", credentials: twilio },
    });
    expect(wrongType.body).toMatchObject({ field: "credentials.bot_token" });
    const smpp = await h.call("POST", "/v1/channels", {
      token: a.token,
      body: {
        name: "x4",
        channel_type: "smpp",
        credentials: { host: "smsc", system_id: "sys", password: "toolongpassword", source_addr: "TURUMBA" },
      },
    });
    expect(smpp.body).toMatchObject({ field: "credentials.password" });
    const email = await h.call("POST", "/v1/channels", {
      token: a.token,
      body: { name: "x5", channel_type: "email", credentials: { smtp_host: "smtp", from_email: "not-an-email" } },
    });
    expect(email.body).toMatchObject({ field: "credentials.from_email" });
    const unknownType = await h.call("POST", "/v1/channels", {
      token: a.token,
      body: { name: "x6", channel_type: "fax", credentials: {} },
    });
    expect(unknownType.body).toMatchObject({ code: "validation_error", field: "channel_type" });
  });

  it("asks the provider about new credentials: a refusal is a 422 naming its reason, never the secret; verify=false skips it", async () => {
    const revoked = { bot_token: "123456789:REVOKEDrevokedREVOKEDrevoked_x" };
    h.sim.configure({ rejectedCredentials: [revoked.bot_token] });
    try {
      const refused = await h.call("POST", "/v1/channels", {
        token: a.token,
        body: { name: "tg-revoked", channel_type: "telegram", credentials: revoked },
      });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: "invalid_credentials", field: "credentials" });
      expect(refused.body.detail).toMatch(/^telegram refused the credentials \(provider_auth_failed\): Unauthorized/);
      expect(refused.text).not.toContain(revoked.bot_token);
      const none = await h.call("GET", "/v1/channels", { token: a.token, query: { filter: ["name:eq:tg-revoked"] } });
      expect(none.body.total).toBe(0);
      const unchecked = await h.call("POST", "/v1/channels", {
        token: a.token,
        query: { verify: "false" },
        body: { name: "tg-revoked", channel_type: "telegram", credentials: revoked },
      });
      expect(unchecked.status).toBe(201);

      // On update only new credentials are asked about.
      const ch = await makeChannel(h, a.token);
      const patch = (body: Record<string, unknown>, query?: Record<string, string>) =>
        h.call("PATCH", `/v1/channels/${ch.id}`, { token: a.token, body, query });
      const rotated = await patch({ credentials: revoked });
      expect(rotated.status).toBe(422);
      expect(rotated.body.code).toBe("invalid_credentials");
      expect((await patch({ name: `renamed-${randomUUID().slice(0, 8)}` })).status).toBe(200);
      expect((await patch({ credentials: revoked }, { verify: "false" })).status).toBe(200);
      expect((await patch({ credentials: telegramCreds })).status).toBe(200);
      expect(
        (await h.call("POST", "/v1/channels", { token: a.token, query: { verify: "no" }, body: {} })).body,
      ).toMatchObject({ code: "validation_error", field: "verify" });
      expect(h.logs.join("")).not.toContain(revoked.bot_token);
    } finally {
      h.sim.configure({ rejectedCredentials: [] });
    }
  });

  it("checks SMPP credentials with a bind and e-mail credentials with a login", async () => {
    h.sim.configure({ rejectedCredentials: ["wrongpw1"] });
    try {
      const smpp = (password: string) => ({
        host: "127.0.0.1",
        port: h.sim.smppPort,
        system_id: "turumba",
        password,
        source_addr: "TURUMBA",
      });
      const email = (smtp_password: string) => ({
        smtp_host: "127.0.0.1",
        smtp_port: h.sim.smtpPort,
        require_tls: false,
        smtp_username: "mailer",
        smtp_password,
        from_email: "news@example.org",
      });
      const create = (name: string, channel_type: string, credentials: Record<string, unknown>) =>
        h.call("POST", "/v1/channels", { token: a.token, body: { name, channel_type, credentials } });
      expect((await create("smpp-ok", "smpp", smpp("secret12"))).status).toBe(201);
      const badBind = await create("smpp-bad", "smpp", smpp("wrongpw1"));
      expect(badBind.status).toBe(422);
      expect(badBind.body.detail).toMatch(/ESME_RINVPASWD/);
      expect((await create("mail-ok", "email", email("mail-password-1"))).status).toBe(201);
      const badLogin = await create("mail-bad", "email", email("wrongpw1"));
      expect(badLogin.status).toBe(422);
      expect(badLogin.body.detail).toMatch(/535/);
      expect(badLogin.text).not.toContain("wrongpw1");
    } finally {
      h.sim.configure({ rejectedCredentials: [] });
    }
  });

  it("a provider that cannot be reached is a 503 provider_unavailable with Retry-After, not a 500", async () => {
    // Nothing listens on port 1: the bind cannot even start.
    const unreachable = { host: "127.0.0.1", port: 1, system_id: "sys", password: "secret", source_addr: "TURUMBA" };
    const res = await h.call("POST", "/v1/channels", {
      token: a.token,
      body: { name: "smsc-down", channel_type: "smpp", credentials: unreachable },
    });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: "provider_unavailable" });
    expect(res.body.detail).toMatch(/verify=false/);
    expect(res.headers.get("retry-after")).toBe("30");
    const offline = await h.call("POST", "/v1/channels", {
      token: a.token,
      query: { verify: "false" },
      body: { name: "smsc-down", channel_type: "smpp", credentials: unreachable },
    });
    expect(offline.status).toBe(201);
  });

  it("enforces the status lifecycle", async () => {
    const ch = await makeChannel(h, a.token);
    expect(
      (await h.call("PATCH", `/v1/channels/${ch.id}`, { token: a.token, body: { status: "disabled" } })).body.status,
    ).toBe("disabled");
    const bad = await h.call("PATCH", `/v1/channels/${ch.id}`, { token: a.token, body: { status: "draining" } });
    expect(bad.status).toBe(409);
    expect(bad.body.code).toBe("invalid_transition");
    const error = await h.call("PATCH", `/v1/channels/${ch.id}`, { token: a.token, body: { status: "error" } });
    expect(error.status).toBe(400);
    expect(error.body.field).toBe("status");
  });

  it("refuses duplicate names and deleting a channel with messages", async () => {
    const ch = await makeChannel(h, a.token, { name: "dup-name" });
    const dup = await h.call("POST", "/v1/channels", {
      token: a.token,
      body: { name: "dup-name", channel_type: "telegram", credentials: telegramCreds },
    });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: "duplicate", field: "name" });
    // The same name in another account is fine.
    expect(
      (
        await h.call("POST", "/v1/channels", {
          token: b.token,
          body: { name: "dup-name", channel_type: "telegram", credentials: telegramCreds },
        })
      ).status,
    ).toBe(201);
    await h.call("POST", "/v1/messages", {
      token: a.token,
      body: { channel_id: ch.id, delivery_address: "42", message_body: "x" },
    });
    const del = await h.call("DELETE", `/v1/channels/${ch.id}`, { token: a.token });
    expect(del.status).toBe(409);
    expect(del.body.code).toBe("in_use");
  });

  it("another account can neither read nor change the channel, even through filters", async () => {
    const ch = await makeChannel(h, a.token);
    expect((await h.call("GET", `/v1/channels/${ch.id}`, { token: b.token })).status).toBe(404);
    expect((await h.call("PATCH", `/v1/channels/${ch.id}`, { token: b.token, body: { name: "mine" } })).status).toBe(
      404,
    );
    expect(
      (await h.call("PATCH", `/v1/channels/${ch.id}`, { token: b.token, body: { credentials: telegramCreds } })).status,
    ).toBe(404);
    expect((await h.call("DELETE", `/v1/channels/${ch.id}`, { token: b.token })).status).toBe(404);
    const viaFilter = await h.call("GET", "/v1/channels", { token: b.token, query: { filter: [`id:eq:${ch.id}`] } });
    expect(viaFilter.body).toMatchObject({ items: [], total: 0 });
    const viaAccount = await h.call("GET", "/v1/channels", {
      token: b.token,
      query: { filter: [`account_id:eq:${a.id}`] },
    });
    expect(viaAccount.body.total).toBe(0);
    expect((await h.call("GET", `/v1/channels/${ch.id}`, { token: a.token })).status).toBe(200);
  });

  it("lists with filters, sorting and pagination", async () => {
    const c = await account(h);
    for (const [name, priority, type] of [
      ["alpha", 1, "telegram"],
      ["beta", 3, "telegram"],
      ["gamma", 2, "whatsapp"],
    ] as const) {
      const creds =
        type === "telegram"
          ? telegramCreds
          : {
              access_token: "EAAG-token-123",
              phone_number_id: "1234567",
              app_secret: "app-secret-1",
              verify_token: "verify-token-1",
            };
      expect(
        (
          await h.call("POST", "/v1/channels", {
            token: c.token,
            body: { name, priority, channel_type: type, credentials: creds },
          })
        ).status,
      ).toBe(201);
    }
    const byPriority = await h.call("GET", "/v1/channels", { token: c.token, query: { sort: "priority:desc" } });
    expect(byPriority.body.items.map((x: { name: string }) => x.name)).toEqual(["beta", "gamma", "alpha"]);
    const filtered = await h.call("GET", "/v1/channels", {
      token: c.token,
      query: { filter: ["channel_type:eq:telegram", "name:startswith:al"] },
    });
    expect(filtered.body.items.map((x: { name: string }) => x.name)).toEqual(["alpha"]);
    const page = await h.call("GET", "/v1/channels", {
      token: c.token,
      query: { sort: "name:asc", skip: "1", limit: "1" },
    });
    expect(page.body).toMatchObject({ total: 3, total_capped: false, skip: 1, limit: 1 });
    expect(page.body.items.map((x: { name: string }) => x.name)).toEqual(["beta"]);
    expect((await h.call("GET", "/v1/channels", { token: c.token, query: { limit: "101" } })).body).toMatchObject({
      code: "validation_error",
      field: "limit",
    });
    expect(
      (await h.call("GET", "/v1/channels", { token: c.token, query: { filter: "credentials_ciphertext:is_not_null" } }))
        .body,
    ).toMatchObject({ code: "invalid_filter", field: "filter[0]" });
  });

  it("only admins manage channels", async () => {
    const manager = await h.token({ accounts: [a.id], groups: ["manager"] });
    const res = await h.call("POST", "/v1/channels", {
      token: manager,
      body: { name: "m", channel_type: "telegram", credentials: telegramCreds },
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe("forbidden");
    expect((await h.call("GET", "/v1/channels", { token: manager })).status).toBe(200);
  });
});
