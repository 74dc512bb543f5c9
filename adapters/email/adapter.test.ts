import { createHash, randomUUID } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SendError } from "../../core/dispatch/send-error.js";
import { outboundPolicy } from "../contract/outbound-address.js";
import { DispatchPayload } from "../contract/types.js";
import { captureLogger, fixture, jsonWebhook, webhookRequest } from "../testkit/index.js";
import { EmailAdapter } from "./adapter.js";
import { EMAIL_SECRET_FIELDS } from "./credentials.js";

/** A real SMTP server on 127.0.0.1: AUTH PLAIN/LOGIN, recipients that fail in the ways real ones do. */
const received: ParsedMail[] = [];
let connections = 0;
/** Connections the server holds open right now: a pool left behind keeps its idle connections. */
let openConnections = 0;
let port = 0;
const server = new SMTPServer({
  secure: false,
  disabledCommands: ["STARTTLS"],
  allowInsecureAuth: true,
  authMethods: ["PLAIN", "LOGIN"],
  logger: false,
  onConnect(_session, cb) {
    connections++;
    openConnections++;
    cb();
  },
  onClose() {
    openConnections--;
  },
  onAuth(auth, _session, cb) {
    if (/^mailer(-\w+)?$/.test(auth.username ?? "") && auth.password === "smtp-Pa55word!")
      return cb(null, { user: "mailer" });
    return cb(Object.assign(new Error("5.7.8 Authentication credentials invalid"), { responseCode: 535 }));
  },
  onRcptTo(address, _session, cb) {
    const rejections: Record<string, [number, string]> = {
      "unknown@example.org": [550, "5.1.1 user unknown"],
      "spamtrap@example.org": [550, "5.7.1 message refused by policy"],
      "busy@example.org": [451, "4.7.1 Rate limited, try again later"],
      "later@example.org": [421, "4.3.2 service shutting down"],
      "full@example.org": [452, "4.2.2 mailbox full"],
    };
    const r = rejections[address.address];
    if (r) return cb(Object.assign(new Error(r[1]), { responseCode: r[0] }));
    return cb();
  },
  onData(stream, _session, cb) {
    simpleParser(stream)
      .then((mail) => {
        received.push(mail);
        cb();
      })
      .catch((err: Error) => cb(err));
  },
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The test server listens on loopback, which only an operator's allow-list opens. */
const LOCAL = { outbound: outboundPolicy("127.0.0.1") };

const creds = () => ({
  smtp_host: "127.0.0.1",
  smtp_port: port,
  smtp_username: "mailer",
  smtp_password: "smtp-Pa55word!",
  require_tls: false,
  from_email: "noreply@clinic.example.com",
  from_name: "Turumba Clinic — ክሊኒክ",
  reply_to: "desk@clinic.example.com",
  webhook_token: "mail-hook-token-6b5a4c3d2e1f",
});

function payload(
  overrides: Partial<DispatchPayload> & { credentials?: Record<string, unknown> } = {},
): DispatchPayload {
  return DispatchPayload.parse({
    messageId: randomUUID(),
    channelId: randomUUID(),
    channelType: "email",
    deliveryAddress: "patient@example.net",
    messageBody:
      '<h1>Selam Almaz</h1><p>Your appointment is on <b>Friday</b> at 10:00 — ቀጠሮ.</p><p><a href="https://clinic.example.com/a/42">Details</a></p>',
    metadata: { subject: "Appointment reminder — የቀጠሮ ማስታወሻ ✓", is_html: true, headers: { "X-Campaign": "reminders" } },
    ...overrides,
    credentials: { ...creds(), ...overrides.credentials },
  });
}

describe("email over a real SMTP server", () => {
  it("sends HTML with a text alternative, UTF-8 subject, reply-to and our message id header", async () => {
    const adapter = new EmailAdapter(LOCAL);
    const p = payload();
    const result = await adapter.send(p);
    await adapter.close();
    const mail = received.find((m) => m.headers.get("x-turumba-message-id") === p.messageId);
    expect(mail).toBeDefined();
    expect(result.providerMessageId).toBe(`<${p.messageId}@clinic.example.com>`);
    expect(mail!.messageId).toBe(`<${p.messageId}@clinic.example.com>`);
    expect(mail!.subject).toBe("Appointment reminder — የቀጠሮ ማስታወሻ ✓");
    expect(mail!.from?.value[0]).toEqual({ name: "Turumba Clinic — ክሊኒክ", address: "noreply@clinic.example.com" });
    expect(mail!.replyTo?.value[0]?.address).toBe("desk@clinic.example.com");
    expect((mail!.to as { value: Array<{ address: string }> }).value[0]?.address).toBe("patient@example.net");
    expect(mail!.headers.get("x-campaign")).toBe("reminders");
    expect(mail!.html).toContain("<b>Friday</b> at 10:00 — ቀጠሮ.");
    expect(mail!.text).toContain("Selam Almaz");
    expect(mail!.text).toContain("Friday at 10:00 — ቀጠሮ.");
    expect(mail!.text).toContain("Details [https://clinic.example.com/a/42]");
    expect(mail!.text).not.toContain("<b>");
  });

  it("an attachment with a Content-ID goes inline where the HTML names it, the others attached", async () => {
    const logo = Buffer.concat([Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), Buffer.alloc(900, 5)]);
    const terms = Buffer.from("%PDF-1.7\n terms \n");
    const files = createHttpServer((req, res) => {
      const body = req.url === "/logo.png" ? logo : terms;
      res.writeHead(200, { "content-length": body.length }).end(body);
    });
    await new Promise<void>((r) => files.listen(0, "127.0.0.1", () => r()));
    const base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    const adapter = new EmailAdapter(LOCAL);
    const p = payload({
      messageBody: '<p>Our new clinic</p><img src="cid:logo@clinic">',
      attachments: [
        {
          url: `${base}/logo.png`,
          kind: "image",
          contentType: "image/png",
          filename: "logo.png",
          sizeBytes: 916,
          cid: "logo@clinic",
        },
        {
          url: `${base}/terms.pdf`,
          kind: "document",
          contentType: "application/pdf",
          filename: "terms.pdf",
          sizeBytes: null,
        },
      ],
    });
    await adapter.send(p);
    await adapter.close();
    await new Promise<void>((r) => files.close(() => r()));
    const mail = received.find((m) => m.headers.get("x-turumba-message-id") === p.messageId)!;
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    const [inline, attached] = mail.attachments;
    expect(inline).toMatchObject({ contentId: "<logo@clinic>", contentDisposition: "inline", related: true });
    expect(sha(inline!.content)).toBe(sha(logo));
    expect(attached).toMatchObject({ filename: "terms.pdf", contentDisposition: "attachment" });
    expect(attached!.contentId).toBeUndefined();
    expect(sha(attached!.content)).toBe(sha(terms));
  });

  it("plain text messages have no HTML part", async () => {
    const adapter = new EmailAdapter(LOCAL);
    const p = payload({ messageBody: "Plain reminder: ሰላም", metadata: { subject: "Plain" } });
    await adapter.send(p);
    await adapter.close();
    const mail = received.find((m) => m.headers.get("x-turumba-message-id") === p.messageId)!;
    expect(mail.text?.trim()).toBe("Plain reminder: ሰላም");
    expect(mail.html).toBe(false);
  });

  it("channel options give the subject, HTML and text parts and Reply-To; the body is the text part", async () => {
    const adapter = new EmailAdapter(LOCAL);
    const p = payload({
      messageBody: "Your order 42 shipped",
      metadata: {},
      options: {
        subject: "Order 42 shipped",
        html: "<p>Your order <b>42</b> shipped</p>",
        reply_to: "orders@clinic.example.com",
        headers: { "X-Campaign": "orders" },
      },
    });
    await adapter.send(p);
    await adapter.close();
    const mail = received.find((m) => m.headers.get("x-turumba-message-id") === p.messageId)!;
    expect(mail.subject).toBe("Order 42 shipped");
    expect(mail.html).toBe("<p>Your order <b>42</b> shipped</p>");
    expect(mail.text?.trim()).toBe("Your order 42 shipped");
    expect(mail.replyTo?.value[0]?.address).toBe("orders@clinic.example.com");
    expect(mail.headers.get("x-campaign")).toBe("orders");
  });

  it("a reply names the customer's message in In-Reply-To and References", async () => {
    const adapter = new EmailAdapter(LOCAL);
    const p = payload({ replyTo: "CAF=abc123@mail.example.net" });
    await adapter.send(p);
    await adapter.close();
    const mail = received.find((m) => m.headers.get("x-turumba-message-id") === p.messageId)!;
    expect(mail.inReplyTo).toBe("<CAF=abc123@mail.example.net>");
    expect(mail.references).toBe("<CAF=abc123@mail.example.net>");
  });

  it("pools connections: several sends share one SMTP connection", async () => {
    const adapter = new EmailAdapter({ ...LOCAL, maxConnections: 1 });
    const before = connections;
    for (let i = 0; i < 4; i++)
      await adapter.send(payload({ messageBody: `message ${i}`, metadata: { subject: `n${i}` } }));
    await adapter.close();
    expect(connections - before).toBe(1);
  });

  it.each([
    [
      "550 5.1.1 unknown user → permanent invalid recipient",
      "unknown@example.org",
      "permanent",
      "invalid_recipient",
      "550",
    ],
    ["550 5.7.1 policy → permanent rejected", "spamtrap@example.org", "permanent", "provider_rejected", "550"],
    ["451 4.7.1 rate limited → throttled", "busy@example.org", "throttled", "provider_throttled", "451"],
    ["421 → retryable", "later@example.org", "retryable", "provider_unavailable", "421"],
    ["452 mailbox full → retryable", "full@example.org", "retryable", "provider_unavailable", "452"],
  ] as const)("%s", async (_n, to, kind, code, providerCode) => {
    const adapter = new EmailAdapter(LOCAL);
    const err = await adapter.send(payload({ deliveryAddress: to })).catch((e: unknown) => e);
    await adapter.close();
    expect(err).toBeInstanceOf(SendError);
    expect(err).toMatchObject({ kind, code, providerCode });
  });

  it("wrong password → permanent auth failure", async () => {
    const adapter = new EmailAdapter(LOCAL);
    const err = await adapter
      .send(payload({ credentials: { smtp_password: "not-the-password" } }))
      .catch((e: unknown) => e);
    await adapter.close();
    expect(err).toMatchObject({ kind: "permanent", code: "provider_auth_failed" });
  });

  it("server not listening → retryable unreachable", async () => {
    const adapter = new EmailAdapter({ ...LOCAL, connectionTimeoutMs: 2000 });
    const err = await adapter.send(payload({ credentials: { smtp_port: 1 } })).catch((e: unknown) => e);
    await adapter.close();
    expect(err).toMatchObject({ kind: "retryable", code: "provider_unreachable" });
  });

  it("verifyCredentials logs in", async () => {
    const adapter = new EmailAdapter(LOCAL);
    await expect(adapter.verifyCredentials(creds())).resolves.toEqual({ valid: true });
    await expect(adapter.verifyCredentials({ ...creds(), smtp_password: "nope-nope" })).resolves.toMatchObject({
      valid: false,
      code: "provider_auth_failed",
      reason: expect.stringContaining("535"),
    });
    const health = await adapter.checkHealth(creds());
    expect(health.status).toBe("connected");
  });

  it("secrets never appear in logs, results or errors", async () => {
    const { logger, output } = captureLogger();
    const adapter = new EmailAdapter({ ...LOCAL, logger });
    const surfaces: string[] = [];
    const secretsSeen: string[] = [];
    for (const overrides of [
      {},
      { deliveryAddress: "unknown@example.org" },
      { deliveryAddress: "busy@example.org" },
      { credentials: { smtp_password: "wrong-Pa55word-xyz" } },
    ]) {
      const p = payload(overrides);
      for (const f of EMAIL_SECRET_FIELDS) secretsSeen.push(String(p.credentials[f]));
      try {
        surfaces.push(JSON.stringify(await adapter.send(p)));
      } catch (err) {
        surfaces.push(JSON.stringify(err), (err as Error).message, (err as Error).stack ?? "");
      }
    }
    await adapter.close();
    surfaces.push(output());
    expect(output().length).toBeGreaterThan(0);
    expect(EMAIL_SECRET_FIELDS.length).toBeGreaterThan(0);
    const all = surfaces.join("\n");
    for (const secret of secretsSeen) expect(all.includes(secret), secret).toBe(false);
  });
});

describe("email bounce and complaint notifications", () => {
  const adapter = new EmailAdapter(LOCAL);
  it("SES bounce inside an SNS envelope → failed for our Message-ID", () => {
    const updates = adapter.parseStatus(jsonWebhook(fixture(import.meta.url, "ses-bounce-sns.json")));
    expect(updates).toEqual([
      expect.objectContaining({
        providerMessageId: "<3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b@clinic.example.com>",
        status: "failed",
        recipient: "no-such-user@example.org",
        errorCode: "bounce:Permanent/General",
        errorMessage: "smtp; 550 5.1.1 user unknown",
        optOut: false,
        metadata: expect.objectContaining({
          turumbaMessageId: "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b",
          permanent: true,
        }),
      }),
    ]);
  });

  it("SES complaint → failed and opted out", () => {
    const [u] = adapter.parseStatus(jsonWebhook(fixture(import.meta.url, "ses-complaint.json")));
    expect(u).toMatchObject({
      providerMessageId: "<9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d@clinic.example.com>",
      status: "failed",
      errorCode: "complaint",
      optOut: true,
      recipient: "patient@example.net",
    });
  });

  it("event webhook array: delivered, bounce, spam report; opens ignored", () => {
    const updates = adapter.parseStatus(jsonWebhook(fixture(import.meta.url, "esp-events.json")));
    expect(updates.map((u) => [u.status, u.errorCode, u.optOut])).toEqual([
      ["delivered", null, false],
      ["failed", "bounce:bounce", false],
      ["failed", "complaint", true],
    ]);
    expect(adapter.parseInbound(jsonWebhook(fixture(import.meta.url, "esp-events.json")))).toEqual([]);
  });

  const sesBounce = (bounceType: string, subType: string) =>
    JSON.stringify({
      notificationType: "Bounce",
      mail: { messageId: "ses-1", headers: [{ name: "Message-ID", value: "<m1@clinic.example.com>" }] },
      bounce: {
        bounceType,
        bounceSubType: subType,
        timestamp: "2024-11-22T10:20:00.000Z",
        bouncedRecipients: [{ emailAddress: "a@example.org", diagnosticCode: "smtp; 552 mailbox full" }],
      },
    });
  const espEvent = (fields: Record<string, string>) =>
    JSON.stringify([
      { email: "a@example.org", timestamp: 1732271010, "smtp-id": "<m1@clinic.example.com>", ...fields },
    ]);
  it.each([
    ["SES Permanent (SNS envelope)", fixture(import.meta.url, "ses-bounce-sns.json"), "permanent"],
    ["SES Transient (mailbox full)", sesBounce("Transient", "MailboxFull"), "transient"],
    ["SES Undetermined", sesBounce("Undetermined", "Undetermined"), null],
    [
      "event webhook bounce of type bounce",
      espEvent({ event: "bounce", type: "bounce", status: "5.1.1" }),
      "permanent",
    ],
    [
      "event webhook bounce of type blocked",
      espEvent({ event: "bounce", type: "blocked", status: "5.7.1" }),
      "transient",
    ],
    ["event webhook bounce without a type, 5.x.x status", espEvent({ event: "bounce", status: "5.1.1" }), "permanent"],
    ["event webhook bounce without a type, 4.x.x status", espEvent({ event: "bounce", status: "4.2.2" }), "transient"],
    ["event webhook bounce without a type or status", espEvent({ event: "bounce" }), null],
    ["event webhook dropped: Bounced Address", espEvent({ event: "dropped", reason: "Bounced Address" }), "permanent"],
    [
      "event webhook dropped: Unsubscribed Address",
      espEvent({ event: "dropped", reason: "Unsubscribed Address" }),
      null,
    ],
    ["SES complaint (an opt-out, not a bounce)", fixture(import.meta.url, "ses-complaint.json"), null],
  ] as const)("bounce kind: %s", (_n, body, bounce) => {
    const [u] = adapter.parseStatus(jsonWebhook(body));
    expect(u).toMatchObject({ status: "failed", bounce });
  });

  it("signed event webhook: ECDSA P-256 over timestamp + body", () => {
    // Key pair and signature made with openssl (ecparam prime256v1; dgst -sha256 -sign) over "1732271040" + file bytes.
    const publicKey =
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEB6GRKyxbzIW6OoDmBhM+ZJddxTNzfr/7j8d0v3ma7rIx66gDeMCnjdwWrSEUQ1uJTkhmNRKM4f00KMDfTkKIjw==";
    const signature =
      "MEYCIQDCngg3EKGVIyjGP7kF+2euGlvLNseghZHiUJXtFKLYqgIhAJTO+up1UPNzLvOakSpKMHQOw/gbyuMlma/2XnPdnAZU";
    const body = fixture(import.meta.url, "esp-events.json");
    const c = { ...creds(), event_webhook_public_key: publicKey };
    const req = (ts: string, b = body) =>
      jsonWebhook(b, {
        headers: { "X-Twilio-Email-Event-Webhook-Signature": signature, "X-Twilio-Email-Event-Webhook-Timestamp": ts },
      });
    expect(adapter.verifyWebhookSignature(req("1732271040"), c)).toBe(true);
    expect(adapter.verifyWebhookSignature(req("1732271041"), c)).toBe(false);
    expect(adapter.verifyWebhookSignature(req("1732271040", body.replace("spamreport", "delivered")), c)).toBe(false);
  });

  it("token-carrying notification URL", () => {
    const c = creds();
    const body = fixture(import.meta.url, "ses-complaint.json");
    expect(
      adapter.verifyWebhookSignature(
        webhookRequest({ url: `https://hooks.example.test/webhooks/email/c1?token=${c.webhook_token}`, rawBody: body }),
        c,
      ),
    ).toBe(true);
    expect(
      adapter.verifyWebhookSignature(
        webhookRequest({ url: "https://hooks.example.test/webhooks/email/c1?token=guess", rawBody: body }),
        c,
      ),
    ).toBe(false);
  });
});

describe("tenant-chosen SMTP hosts", () => {
  /** A TCP service that is not SMTP: it answers with a banner naming itself, as internal services do. */
  async function bannerServer(
    banner: string,
  ): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
    let seen = 0;
    const srv = createServer((socket) => {
      seen++;
      socket.end(banner);
    });
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    return {
      port: (srv.address() as AddressInfo).port,
      connections: () => seen,
      close: () => new Promise<void>((resolve) => srv.close(() => resolve())),
    };
  }

  it("a host that resolves to a loopback address is refused without a connection, unless allowed", async () => {
    const internal = await bannerServer("-ERR internal-cache-7 ready\r\n");
    const adapter = new EmailAdapter({ connectionTimeoutMs: 2000 });
    const surfaces: unknown[] = [];
    for (const host of ["127.0.0.1", "localhost", "2130706433"]) {
      const p = payload({ credentials: { smtp_host: host, smtp_port: internal.port } });
      surfaces.push(await adapter.send(p).catch((e: unknown) => e));
      surfaces.push(await adapter.verifyCredentials(p.credentials).catch((e: unknown) => e));
      surfaces.push(await adapter.checkHealth(p.credentials));
    }
    await adapter.close();
    await internal.close();
    expect(internal.connections()).toBe(0);
    expect(surfaces[0]).toMatchObject({ kind: "permanent", code: "destination_forbidden" });
    expect(surfaces[1]).toMatchObject({ valid: false, code: "destination_forbidden" });
    expect(surfaces[2]).toMatchObject({
      status: "error",
      errorMessage: expect.stringContaining("destination_forbidden"),
    });
  });

  it("neither a banner nor a connect error reaches the error message, the health or the credential check", async () => {
    const internal = await bannerServer("HTTP/1.1 400 Bad Request\r\nServer: internal-admin-7\r\n\r\n");
    const adapter = new EmailAdapter({ connectionTimeoutMs: 2000, outbound: outboundPolicy("127.0.0.0/8") });
    const p = payload({ credentials: { smtp_port: internal.port } });
    const err = (await adapter.send(p).catch((e: unknown) => e)) as SendError;
    const health = await adapter.checkHealth(p.credentials);
    const refused = (await adapter
      .send(payload({ credentials: { smtp_port: 1 } }))
      .catch((e: unknown) => e)) as SendError;
    await adapter.close();
    await internal.close();
    expect(internal.connections()).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(SendError);
    const surfaces = [err.message, JSON.stringify(err), health.errorMessage, refused.message].join("\n");
    expect(surfaces).not.toMatch(/internal-admin|HTTP\/1\.1|Bad Request|127\.0\.0\.1|:1\b/);
    expect(refused).toMatchObject({ code: "provider_unreachable", message: expect.stringMatching(/^SMTP E[A-Z]+$/) });
  });

  it("a 5xx reply is stored as its codes, not the server's words", async () => {
    const adapter = new EmailAdapter({ outbound: outboundPolicy("127.0.0.1") });
    const err = (await adapter
      .send(payload({ deliveryAddress: "unknown@example.org" }))
      .catch((e: unknown) => e)) as SendError;
    await adapter.close();
    expect(err).toMatchObject({ kind: "permanent", code: "invalid_recipient", providerCode: "550" });
    expect(err.message).toBe("SMTP 550 5.1.1");
  });
});

describe("SMTP pools", () => {
  /** Waits until the server holds `open` connections (closing is asynchronous), then reports what it holds. */
  const settled = async (open: number) => {
    for (let i = 0; i < 100 && openConnections !== open; i++) await new Promise((r) => setTimeout(r, 20));
    return openConnections;
  };
  const account = (user: string) => ({ credentials: { smtp_username: user } });

  it("a channel whose credentials change closes the pool of its old ones; closing the channel closes its pool", async () => {
    const adapter = new EmailAdapter(LOCAL);
    const channelId = randomUUID();
    const base = await settled(0);
    await adapter.send(payload({ channelId, ...account("mailer-a") }));
    expect(await settled(base + 1)).toBe(base + 1);
    // The channel moves to another SMTP login: its old pool's connection is closed.
    await adapter.send(payload({ channelId, ...account("mailer-b") }));
    expect(await settled(base + 1)).toBe(base + 1);
    // A second channel on the same login shares the pool and keeps it open when the first closes.
    const other = randomUUID();
    await adapter.send(payload({ channelId: other, ...account("mailer-b") }));
    await adapter.closeChannel(channelId);
    expect(await settled(base + 1)).toBe(base + 1);
    await adapter.closeChannel(other);
    expect(await settled(base)).toBe(base);
    await adapter.close();
  });

  it("holds at most maxPools transports, closing the least recently used", async () => {
    const adapter = new EmailAdapter({ ...LOCAL, maxPools: 3 });
    const base = await settled(0);
    for (let i = 0; i < 8; i++) await adapter.send(payload(account(`mailer-${i}`)));
    expect(await settled(base + 3)).toBe(base + 3);
    await adapter.close();
    expect(await settled(base)).toBe(base);
  });
});
