/**
 * The console in a real browser (Debian's Chromium) against the embedded platform and the provider
 * simulator: sign in, the live overview, a channel created with bad then good credentials, a
 * message followed to delivered on its timeline, filters kept in the URL, pause and resume of a
 * channel, an inbound message answered from the inbox, a CSV import with bad rows, a
 * 2,000-contact campaign created in the wizard, paused, resumed and followed to 100 %, a campaign
 * scheduled for a set time, a recurring schedule made in the schedule form, a template's e-mail
 * and WhatsApp parts previewed by the API, suppressions, quotas, webhook endpoints and media (each
 * page's empty state, an API error beside its field, then a row), a channel's webhook URL and
 * setup steps, a dead letter inspected and re-queued, and a manager's console (no links to admin
 * pages, an admin page opened by its address naming the role it needs, the campaign wizard showing
 * the channel's pace instead of a throttle only an admin may change) and a user's (the lists of
 * contacts, templates and suppressions without the forms that need the manager role). Every page passes
 * axe-core in both themes, reports no CSP violation, and is photographed (.build/screenshots,
 * outside git; README shows two of them, copied to docs/console by hand so a test run never
 * changes a tracked file).
 */

import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulatorEnv, simulatorPorts } from "../../../scripts/launcher/simulator.js";
import { spawnSimulator, type SimulatorProcess } from "../../../services/simulator/spawn.js";
import { TEST_KEYS } from "../support/seed.js";
import { startTestStack, type TestStack } from "../support/stack.js";
import { checkPage, launchChromium, watchCsp } from "./browser.js";

const BASE = 31_000;
const WRONG_PASSWORD = "wrongpw1";

describe("the console in Chromium", () => {
  let sim: SimulatorProcess;
  let t: TestStack;
  let browser: Browser;
  let page: Page;
  let key: string;
  const accountId = randomUUID();
  let url: (path: string) => string;
  let csp: string[] = [];
  const a11y: string[] = [];

  beforeAll(async () => {
    execFileSync("bash", ["scripts/build-console.sh"], { stdio: "inherit" });
    sim = await spawnSimulator(
      { defaults: { receiptDelayMs: 200 }, rejectedCredentials: [WRONG_PASSWORD] },
      simulatorPorts(BASE),
    );
    t = await startTestStack({
      set: "embedded",
      basePort: BASE,
      env: { CREDENTIALS_KEYS: TEST_KEYS, ...simulatorEnv(BASE) },
      appEnv: { API_RATE_LIMIT: "0" },
    });
    const r = await t.ops("/internal/api-keys", { method: "POST", body: { accountId } });
    key = (r.body as { key: string }).key;
    url = (path) => t.stack.url(t.apiApp, path);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    csp = watchCsp(page);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await sim?.stop();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url(path), {
      method,
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("signs in: a wrong key is refused on the form, the right one opens the overview", async () => {
    await page.goto(url("/console/"));
    await page.waitForURL(/\/console\/signin$/);
    a11y.push(...(await checkPage(page, "signin")));
    await page.getByLabel("API key", { exact: true }).fill("not-a-real-key-0000");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/unauthorized|invalid/i);
    await page.getByLabel("API key", { exact: true }).fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    // The credential never reaches the address bar.
    expect(page.url()).not.toContain(key);
  });

  it("shows the live overview from the stats stream", async () => {
    await page.getByTestId("delivery-rate").waitFor({ timeout: 30_000 });
    await page.getByText("No channels yet.").waitFor();
    a11y.push(...(await checkPage(page, "overview-empty")));
  });

  let channelId = "";
  it("creates a channel: the provider's refusal is shown beside the credentials, then good ones are stored", async () => {
    await page.getByRole("link", { name: "Channels" }).click();
    await page.getByText("No channels yet. Create one to start sending.").waitFor();
    a11y.push(...(await checkPage(page, "channels-empty")));
    await page.getByRole("link", { name: "New channel" }).click();
    await page.getByLabel("Provider").selectOption("smpp/default");
    await page.getByLabel("Name").fill("operator SMSC");
    await page.getByLabel("host", { exact: true }).fill("127.0.0.1");
    await page.getByLabel("port", { exact: true }).fill(String(simulatorPorts(BASE).smpp));
    await page.getByLabel("system_id", { exact: true }).fill("turumba");
    await page.getByLabel("password", { exact: true }).fill(WRONG_PASSWORD);
    await page.getByLabel("source_addr", { exact: true }).fill("TURUMBA");
    await page.getByRole("button", { name: "Create channel" }).click();
    const refusal = page.getByTestId("credentials-error");
    await refusal.waitFor({ timeout: 30_000 });
    expect(await refusal.textContent()).toMatch(/refused the credentials/);
    expect(await refusal.textContent()).not.toContain(WRONG_PASSWORD);
    a11y.push(...(await checkPage(page, "channel-form-refused")));
    await page.getByLabel("password", { exact: true }).fill("secret");
    await page.getByRole("button", { name: "Create channel" }).click();
    await page.waitForURL(/\/console\/channels$/);
    await page.getByRole("link", { name: "operator SMSC" }).waitFor();
    a11y.push(...(await checkPage(page, "channels")));
    const listed = await api("GET", "/v1/channels");
    channelId = (listed.body.items as { id: string }[])[0]!.id;

    // Editing shows the stored non-secret fields; the secret one stays empty (write-only).
    await page.getByRole("link", { name: "operator SMSC" }).click();
    await expect.poll(() => page.getByLabel("host", { exact: true }).inputValue()).toBe("127.0.0.1");
    expect(await page.getByLabel("password", { exact: true }).inputValue()).toBe("");
    // An SMSC has no webhook: receipts and inbound messages come over the bind.
    await expect.poll(() => page.getByTestId("webhook-steps").textContent()).toContain("there is no webhook");
    a11y.push(...(await checkPage(page, "channel-edit")));
  });

  it("follows a message to delivered on its timeline, with filters kept in the URL", async () => {
    const sent = await api("POST", "/v1/messages", {
      channel_id: channelId,
      delivery_address: "+251911000001",
      message_body: "Hello from the console test",
    });
    expect(sent.status).toBe(201);
    await page.getByRole("link", { name: "Messages" }).click();
    await page.getByRole("cell", { name: "+251911000001" }).waitFor();
    a11y.push(...(await checkPage(page, "messages")));
    await page.getByLabel("Status").selectOption("failed");
    await page.waitForURL(/status=failed/);
    await page.getByText("No messages match these filters.").waitFor();
    await page.getByLabel("Status").selectOption("");
    await page.getByRole("cell", { name: "+251911000001" }).waitFor();

    await page.goto(url(`/console/messages/${sent.body.id as string}`));
    const timeline = page.getByTestId("timeline");
    await expect
      .poll(async () => (await timeline.textContent().catch(() => "")) ?? "", { timeout: 60_000 })
      .toContain("sent → delivered");
    expect(await timeline.textContent()).toMatch(/queued → sending[\s\S]*sending → sent/);
    expect(await page.getByTestId("message-status").textContent()).toBe("delivered");
    a11y.push(...(await checkPage(page, "message")));

    await page.getByRole("link", { name: "Overview" }).click();
    await expect.poll(() => page.getByTestId("delivery-rate").textContent(), { timeout: 30_000 }).toBe("100.0 %");
    a11y.push(...(await checkPage(page, "overview")));
  });

  it("pauses and resumes a channel from the list", async () => {
    await page.getByRole("link", { name: "Channels" }).click();
    await page.getByRole("button", { name: "Pause operator SMSC" }).click();
    await page.getByRole("button", { name: "Resume operator SMSC" }).waitFor();
    expect((await api("GET", `/v1/channels/${channelId}`)).body.status).toBe("paused");
    await page.getByRole("button", { name: "Resume operator SMSC" }).click();
    await page.getByRole("button", { name: "Pause operator SMSC" }).waitFor();
    expect((await api("GET", `/v1/channels/${channelId}`)).body.status).toBe("active");
  });

  it("answers an inbound message from the inbox: assigned, replied to, closed; the SMSC receives the reply", async () => {
    const sim = `http://127.0.0.1:${simulatorPorts(BASE).http}`;
    const customer = "+251911000042";
    // The SMSC delivers an MO over an open bind; pausing the channel closed it, and a send opens it again.
    const wake = await api("POST", "/v1/messages", {
      channel_id: channelId,
      delivery_address: "+251911000099",
      message_body: "Your parcel is on its way",
    });
    expect(wake.status).toBe(201);
    const mo = () =>
      fetch(`${sim}/_sim/inbound`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ provider: "smpp", from: customer, to: "TURUMBA", text: "Is my order ready?" }),
      }).then((r) => r.status);
    // 409 (no bind yet) sends nothing, so exactly one MO goes out.
    await expect.poll(mo, { timeout: 30_000, interval: 500 }).toBe(202);
    await page.getByRole("link", { name: "Conversations" }).click();
    const row = page.getByRole("link", { name: /251911000042/ });
    await row.waitFor({ timeout: 30_000 });
    a11y.push(...(await checkPage(page, "conversations")));
    await row.click();
    const thread = page.getByTestId("thread");
    await thread.getByText("Is my order ready?").waitFor();
    const id = page.url().split("/").pop()!;
    // Opening the thread marks it read.
    await expect.poll(async () => (await api("GET", `/v1/conversations/${id}`)).body.unread_count).toBe(0);

    await page.getByLabel("Assignee").fill("agent-17");
    await page.getByRole("button", { name: "Assign" }).click();
    await expect.poll(async () => (await api("GET", `/v1/conversations/${id}`)).body.assignee).toBe("agent-17");

    await page.getByLabel("Reply").fill("Yes, it ships today.");
    await page.getByRole("button", { name: "Send reply" }).click();
    const reply = thread.getByRole("listitem").filter({ hasText: "Yes, it ships today." });
    await expect.poll(() => reply.textContent(), { timeout: 30_000 }).toContain("delivered");
    const received = await fetch(`${sim}/_sim/received?provider=smpp`);
    const texts = ((await received.json()) as { received: { text?: string | null; to: string }[] }).received;
    expect(texts).toContainEqual(
      expect.objectContaining({ text: "Yes, it ships today.", to: expect.stringMatching(/251911000042$/) }),
    );
    a11y.push(...(await checkPage(page, "conversation")));

    await page.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => page.getByTestId("conversation-status").textContent()).toBe("closed");
    expect((await api("GET", `/v1/conversations/${id}`)).body.status).toBe("closed");
  });

  it("imports a CSV into a new group, listing the rows the API rejected", async () => {
    await page.getByRole("link", { name: "Contacts" }).click();
    await page.getByText("No groups yet. Create one, then import contacts into it.").waitFor();
    a11y.push(...(await checkPage(page, "contacts-empty")));
    await page.getByLabel("New group name").fill("customers");
    await page.getByRole("button", { name: "Create group" }).click();
    await page.getByTestId("members-customers").waitFor();
    const csv = [
      "name,phone,email",
      "Abebe,+251911000001,",
      "Bad email,,not-an-email",
      "Chaltu,+251911000003,c@example.com",
      ",,",
    ].join("\n");
    await page
      .getByLabel("CSV file")
      .setInputFiles({ name: "contacts.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByRole("button", { name: "Import" }).click();
    const result = page.getByTestId("import-result");
    await result.waitFor({ timeout: 30_000 });
    expect(await result.textContent()).toContain("Imported 2; rejected 2.");
    const rejected = page.getByRole("table", { name: "Rejected rows" });
    expect(await rejected.getByRole("row").allTextContents()).toEqual([
      "LineReason",
      expect.stringMatching(/^3email/),
      expect.stringMatching(/^5/),
    ]);
    await expect.poll(() => page.getByTestId("members-customers").textContent()).toBe("2");
    a11y.push(...(await checkPage(page, "contacts")));
  });

  it("creates a 2,000-contact campaign in the wizard and follows it to 100 %, paused and resumed, with the API's counts", async () => {
    const channel = await api("POST", "/v1/channels", {
      name: "bot",
      channel_type: "telegram",
      credentials: { bot_token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ" },
    });
    expect(channel.status).toBe(201);
    const group = await api("POST", "/v1/contact-groups", { name: "two thousand" });
    const rows = Array.from({ length: 2_000 }, (_, i) => `Person${i},${30_000_000 + i}`);
    const imported = await fetch(url(`/v1/contact-groups/${group.body.id as string}/import`), {
      method: "POST",
      headers: { "x-api-key": key, "content-type": "text/csv" },
      body: ["name,telegram_chat_id", ...rows].join("\n"),
    });
    expect(imported.status).toBe(200);

    await page.getByRole("link", { name: "Campaigns" }).click();
    await page.getByText("No campaigns yet. Create one with the wizard.").waitFor();
    a11y.push(...(await checkPage(page, "campaigns-empty")));
    await page.getByRole("link", { name: "New campaign" }).click();
    const next = page.getByRole("button", { name: "Next" });
    // Each step holds the wizard until its own fields pass, and says why beside the field.
    await page.getByLabel("Campaign name").fill("launch");
    await next.click();
    await page.getByText("choose the channel to send on").waitFor();
    await page.getByLabel("Channel type").selectOption("telegram");
    await page.getByLabel("Channel", { exact: true }).selectOption(channel.body.id as string);
    a11y.push(...(await checkPage(page, "campaign-wizard-channel")));
    await next.click();

    await page.getByLabel("Message", { exact: true }).fill("Hello {NAME}, your order is ready.");
    await page.getByLabel("Sample NAME").fill("Abebe");
    const preview = page.getByTestId("campaign-preview");
    await expect.poll(() => preview.textContent()).toContain("Hello Abebe, your order is ready.");
    expect(await page.getByTestId("campaign-segments").textContent()).toMatch(/GSM7?, 1 segment$/i);
    a11y.push(...(await checkPage(page, "campaign-wizard-message")));
    await next.click();

    await next.click();
    await page.getByText("choose at least one group").waitFor();
    await page.getByLabel("two thousand (2000 contacts)").check();
    expect(await page.getByTestId("campaign-recipients").textContent()).toBe("2000 recipients");
    a11y.push(...(await checkPage(page, "campaign-wizard-recipients")));
    await next.click();

    // 100 a second: long enough to pause it midway, short enough for a test.
    await page.getByLabel("Messages a minute").fill("6000");
    expect(await page.getByTestId("campaign-duration").textContent()).toBe("2000 recipients take about 20 s.");
    a11y.push(...(await checkPage(page, "campaign-wizard-throttle")));
    await next.click();

    expect(await page.getByLabel("Start now").isChecked()).toBe(true);
    a11y.push(...(await checkPage(page, "campaign-wizard-schedule")));
    await next.click();
    a11y.push(...(await checkPage(page, "campaign-wizard-review")));
    await page.getByRole("button", { name: "Create and start" }).click();
    await page.waitForURL(/\/console\/campaigns\/[0-9a-f-]{36}$/);
    const id = page.url().split("/").pop()!;
    expect((await api("GET", `/v1/channels/${channel.body.id as string}`)).body.rate_limit).toBe(6_000);
    const created = (await api("GET", `/v1/group-messages/${id}`)).body;
    expect(created).toMatchObject({ name: "launch", message_body: "Hello {NAME}, your order is ready." });

    await page.getByRole("button", { name: "Pause" }).click();
    await page.getByRole("button", { name: "Resume" }).waitFor({ timeout: 30_000 });
    expect((await api("GET", `/v1/group-messages/${id}`)).body.status).toBe("paused");
    a11y.push(...(await checkPage(page, "campaign-paused")));
    await page.getByRole("button", { name: "Resume" }).click();
    // The total grows while the campaign fans out, so 100 % counts once the campaign is complete.
    await expect
      .poll(() => page.getByTestId("campaign-status").textContent(), { timeout: 120_000, interval: 500 })
      .toBe("completed");
    expect(await page.getByTestId("campaign-progress").textContent()).toMatch(/^100 %/);
    const final = (await api("GET", `/v1/group-messages/${id}`)).body;
    await expect.poll(() => page.getByTestId("count-sent").textContent()).toBe(String(final.sent_count));
    expect(final.total_recipients).toBe(2_000);
    for (const [label, field] of [
      ["waiting", "queued_count"],
      ["delivered", "delivered_count"],
      ["failed", "failed_count"],
      ["skipped", "skipped_count"],
    ] as const)
      expect(await page.getByTestId(`count-${label}`).textContent(), label).toBe(String(final[field]));
    a11y.push(...(await checkPage(page, "campaign")));
    await page.getByRole("link", { name: "Campaigns" }).click();
    await page.getByRole("link", { name: "launch" }).waitFor();
    a11y.push(...(await checkPage(page, "campaigns")));
  }, 240_000);

  it("schedules a campaign for a set time from the wizard", async () => {
    await page.getByRole("link", { name: "New campaign" }).click();
    await page.getByLabel("Campaign name").fill("reminder");
    await page.getByLabel("Channel", { exact: true }).selectOption({ label: "bot (telegram, active)" });
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByLabel("Message", { exact: true }).fill("See you tomorrow, {NAME}.");
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByLabel("customers (2 contacts)").check();
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByLabel("Start at a set time").check();
    const at = new Date(Date.now() + 86_400_000);
    const local = (n: number) => String(n).padStart(2, "0");
    await page
      .getByLabel("Starts at")
      .fill(`${at.getFullYear()}-${local(at.getMonth() + 1)}-${local(at.getDate())}T09:00`);
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByRole("button", { name: "Schedule campaign" }).click();
    await page.waitForURL(/\/console\/schedules$/);
    await page.getByRole("cell", { name: "reminder", exact: true }).waitFor();
    const listed = (await api("GET", "/v1/scheduled-messages")).body.items as Record<string, unknown>[];
    expect(listed).toEqual([
      expect.objectContaining({ name: "reminder", send_type: "group", status: "pending", trigger_count: 0 }),
    ]);
    expect(new Date(listed[0]!.scheduled_at as string).getHours()).toBe(9);
    a11y.push(...(await checkPage(page, "schedules")));
  });

  it("creates a recurring schedule in the schedule form: its own checks and the API's refusal beside the fields", async () => {
    await page.getByRole("link", { name: "New schedule" }).click();
    await page.getByRole("button", { name: "Create schedule" }).click();
    await page.getByText("choose the channel to send on").waitFor();
    await page.getByText("enter the address to send to").waitFor();
    await page.getByText("write a message or choose a template").waitFor();
    await page.getByText("choose when it first sends").waitFor();

    await page.getByLabel("Schedule name").fill("check-in");
    await page.getByLabel("Channel", { exact: true }).selectOption({ label: "bot (telegram)" });
    await page.getByLabel("Address", { exact: true }).fill("30000007");
    await page.getByLabel("Message", { exact: true }).fill("Weekly check-in: reply if you need help.");
    const at = new Date(Date.now() + 2 * 86_400_000);
    const local = (n: number) => String(n).padStart(2, "0");
    await page
      .getByLabel("First send")
      .fill(`${at.getFullYear()}-${local(at.getMonth() + 1)}-${local(at.getDate())}T08:30`);
    await page.getByLabel("Repeat", { exact: true }).check();
    await page.getByLabel("Repeats", { exact: true }).fill("every tuesday");
    await page.getByLabel("Time zone").fill("Africa/Addis_Ababa");
    a11y.push(...(await checkPage(page, "schedule-form")));
    await page.getByRole("button", { name: "Create schedule" }).click();
    // The API's rule grammar refuses it, beside the rule.
    await expect
      .poll(() => page.locator('[data-error-for="recurrence_rule"]').textContent())
      .toMatch(/\(validation_error\)$/);
    await page.getByLabel("Repeats", { exact: true }).fill("weekly:mon,thu");
    await page.getByRole("button", { name: "Create schedule" }).click();
    await page.waitForURL(/\/console\/schedules$/);
    await page.getByRole("cell", { name: "check-in", exact: true }).waitFor();
    const made = ((await api("GET", "/v1/scheduled-messages")).body.items as Record<string, unknown>[]).find(
      (s) => s.name === "check-in",
    );
    expect(made).toMatchObject({
      send_type: "single",
      status: "pending",
      delivery_address: "30000007",
      message_body: "Weekly check-in: reply if you need help.",
      is_recurring: true,
      recurrence_rule: "weekly:mon,thu",
      timezone: "Africa/Addis_Ababa",
    });
  });

  it("previews a template's e-mail and WhatsApp parts as the API renders them, then saves them", async () => {
    await page.getByRole("link", { name: "Templates" }).click();
    await page.getByText("No templates yet.").waitFor();
    await page.getByLabel("Name", { exact: true }).fill("order ready");
    // The label wraps the text area, so its name includes the text already in it.
    await page.getByLabel(/^Body/).fill("Hello {NAME}, order {CODE} is ready.");
    await page.getByLabel("Add e-mail parts").check();
    await page.getByLabel("Subject", { exact: true }).fill("Order {CODE} is ready");
    await page.getByLabel("HTML", { exact: true }).fill("<p>Hello <b>{NAME}</b></p>");
    await page.getByLabel(/^Map an approved WhatsApp template/).check();
    await page.getByLabel("WhatsApp template name").fill("Order Ready");
    await page.getByLabel("Language", { exact: true }).fill("en_US");
    await page.getByRole("button", { name: "Add component" }).click();
    await page.getByLabel("Component 1 parameters").fill("NAME, CODE");
    // The preview checks the parts as they are typed: Meta's name rule, beside the name.
    await expect
      .poll(() => page.locator('[data-error-for="whatsapp.name"]').textContent())
      .toMatch(/lowercase letters.*\(validation_error\)$/);
    await page.getByLabel("WhatsApp template name").fill("order_ready");
    await page.getByLabel("Sample CODE").fill("A-17");
    await expect.poll(() => page.getByTestId("preview-email-subject").textContent()).toBe("Order A-17 is ready");
    expect(await page.getByTestId("preview").textContent()).toContain("Hello Abebe, order A-17 is ready.");
    // The markup is shown as source, the values put in it escaped by the API.
    expect(await page.getByTestId("preview-email-html").textContent()).toBe("<p>Hello <b>Abebe</b></p>");
    expect(await page.getByTestId("preview-email-text").textContent()).toContain("Hello Abebe");
    expect(await page.getByTestId("preview-whatsapp").textContent()).toContain("order_ready (en_US)");
    expect(await page.getByTestId("preview-whatsapp-0").textContent()).toBe("body: {{1}} Abebe · {{2}} A-17");
    a11y.push(...(await checkPage(page, "template-editor")));

    await page.getByRole("button", { name: "Save template" }).click();
    await page.getByRole("cell", { name: "order ready", exact: true }).waitFor();
    const saved = ((await api("GET", "/v1/templates")).body.items as Record<string, unknown>[]).find(
      (t) => t.name === "order ready",
    );
    expect(saved).toMatchObject({
      variables: ["NAME", "CODE"],
      email: { subject: "Order {CODE} is ready", html: "<p>Hello <b>{NAME}</b></p>" },
      whatsapp: {
        name: "order_ready",
        language: "en_US",
        components: [{ type: "body", parameters: ["NAME", "CODE"] }],
      },
    });
  });

  it("suppressions, quotas, webhook endpoints and media: empty states, the API's errors beside their fields, then rows", async () => {
    await page.getByRole("link", { name: "Suppressions" }).click();
    await page.getByText("No suppressed addresses.").waitFor();
    a11y.push(...(await checkPage(page, "suppressions-empty")));
    await page.getByLabel("Address", { exact: true }).fill("not a phone");
    await page.getByLabel("Scope", { exact: true }).selectOption("sms");
    await page.getByRole("button", { name: "Suppress" }).click();
    // The API's detail and code, beside the field it names.
    await expect.poll(() => page.locator('[data-error-for="address"]').textContent()).toMatch(/\(validation_error\)$/);
    await page.getByLabel("Address", { exact: true }).fill("+251911000777");
    await page.getByRole("button", { name: "Suppress" }).click();
    await page.getByRole("cell", { name: "+251911000777", exact: true }).waitFor();
    a11y.push(...(await checkPage(page, "suppressions")));

    await page.getByRole("link", { name: "Quotas" }).click();
    await page.getByText("No quotas: every channel type sends without a limit.").waitFor();
    a11y.push(...(await checkPage(page, "quotas-empty")));
    await page.getByLabel("Daily limit", { exact: true }).fill("-5");
    await page.getByRole("button", { name: "Save quota" }).click();
    await page.locator('[data-error-for="daily_limit"]').waitFor();
    await page.getByLabel("Daily limit", { exact: true }).fill("1000");
    await page.getByRole("button", { name: "Save quota" }).click();
    await expect.poll(() => page.getByTestId("quota-daily-sms").textContent()).toMatch(/^\d+ of 1000/);
    a11y.push(...(await checkPage(page, "quotas")));

    await page.getByRole("link", { name: "Webhook endpoints" }).click();
    await page.getByText("No webhook endpoints: add one to receive events at your own URL.").waitFor();
    a11y.push(...(await checkPage(page, "webhook-endpoints-empty")));
    await page.getByLabel("URL", { exact: true }).fill("http://127.0.0.1:9/hook");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect
      .poll(() => page.locator('[data-error-for="url"]').textContent())
      .toBe("the endpoint URL must be https:// (webhook_url_invalid)");
    await page.getByLabel("URL", { exact: true }).fill("https://127.0.0.1:9/hook");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.getByText(/^Signing secret for https:\/\/127\.0\.0\.1:9\/hook/).waitFor();
    a11y.push(...(await checkPage(page, "webhook-endpoints")));
    await page.getByRole("link", { name: "https://127.0.0.1:9/hook" }).click();
    await page.getByText("No deliveries yet.").waitFor();
    a11y.push(...(await checkPage(page, "webhook-deliveries")));

    await page.getByRole("link", { name: "Media" }).click();
    await page.getByText("Nothing uploaded in this session.", { exact: false }).waitFor();
    const file = page.getByLabel("File", { exact: true });
    await file.setInputFiles({
      name: "noise.bin",
      mimeType: "image/png",
      buffer: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]),
    });
    await page.getByRole("button", { name: "Upload" }).click();
    await expect.poll(() => page.getByRole("alert").first().textContent()).toContain("media_type_not_allowed");
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
      "base64",
    );
    await file.setInputFiles({ name: "dot.png", mimeType: "image/png", buffer: png });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("cell", { name: "image/png", exact: true }).waitFor();
    a11y.push(...(await checkPage(page, "media")));
  });

  it("shows a channel's webhook URL to copy and its provider's setup steps", async () => {
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    const bot = ((await api("GET", "/v1/channels")).body.items as { id: string; name: string }[]).find(
      (c) => c.name === "bot",
    )!;
    await page.getByRole("link", { name: "Channels" }).click();
    await page.getByRole("link", { name: "bot" }).click();
    const hook = url(`/webhooks/telegram/${bot.id}`);
    await expect.poll(() => page.getByTestId("webhook-url").textContent()).toBe(hook);
    expect(await page.getByTestId("webhook-steps").textContent()).toContain(
      `setWebhook is called for you with url=${hook}`,
    );
    await page.getByRole("button", { name: "Copy webhook URL" }).click();
    await page.getByText("Copied", { exact: true }).waitFor();
    const clipboard = await page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    expect(clipboard).toBe(hook);
    a11y.push(...(await checkPage(page, "channel-webhook")));
  });

  it("lists a dead letter of the account, shows its event, and re-queues it to its topic", async () => {
    const marker = `poison-${Date.now()}`;
    // An event the dispatcher refuses (no message in it) goes to the dead-letter topic at once.
    const published = await fetch(
      `http://127.0.0.1:${t.stack.apps.get(t.apiApp)!.ports.daprHttp}/v1.0/publish/pubsub/message.dispatch.telegram`,
      {
        method: "POST",
        headers: { "content-type": "application/json", "dapr-api-token": t.stack.tokens.daprApiToken },
        body: JSON.stringify({ accountId, marker }),
      },
    );
    expect(published.status).toBe(204);
    await page.getByRole("link", { name: "Dead letters" }).click();
    const entry = page.getByTestId("dead-letter").filter({ hasText: "message.dispatch.telegram" });
    await entry.waitFor({ timeout: 60_000 });
    await entry.getByText("Inspect").click();
    expect(await entry.locator("pre").textContent()).toContain(marker);
    a11y.push(...(await checkPage(page, "dead-letters")));
    const listed = async () =>
      ((await api("GET", "/v1/dead-letters")).body.items as { event_id: string; data: string }[]).map((d) => ({
        id: d.event_id,
        poison: d.data.includes(marker),
      }));
    const [first] = await listed();
    expect(first).toMatchObject({ poison: true });
    await entry.getByRole("button", { name: `Re-queue ${first!.id}` }).click();
    // Published again, it is still refused: it leaves the list and comes back under a new id.
    await expect
      .poll(listed, { timeout: 60_000, interval: 500 })
      .toEqual([{ id: expect.not.stringMatching(first!.id) as string, poison: true }]);
  });

  /** A browser context of its own, signed in with a new key of the role; its CSP reports join the run's. */
  const signedInAs = async (name: string, role: "manager" | "user") => {
    const made = await api("POST", "/v1/api-keys", { name, role });
    expect(made.status).toBe(201);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await context.newPage();
    const reports = watchCsp(p);
    context.on("close", () => csp.push(...reports));
    await p.goto(url("/console/signin"));
    await p.getByLabel("API key", { exact: true }).fill(made.body.key as string);
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.getByRole("heading", { name: "Overview" }).waitFor();
    return { context, page: p };
  };

  it("shows a manager only the pages the role opens, and says which role an admin page needs", async () => {
    const { context, page: mp } = await signedInAs("campaign manager", "manager");

    // Opened by its address, an admin page names the role it needs instead of the API's 403.
    await mp.goto(url("/console/quotas"));
    const needs = mp.getByTestId("needs-role");
    await needs.waitFor();
    expect(await needs.textContent()).toMatch(
      /^This page needs the admin role\.You are signed in with the manager role/,
    );
    a11y.push(...(await checkPage(mp, "needs-role")));
    await mp.goto(url("/console/dead-letters"));
    await mp.getByTestId("needs-role").waitFor();

    const nav = mp.getByRole("navigation", { name: "Main" });
    expect(await nav.getByRole("link").allTextContents()).toEqual([
      "Overview",
      "Channels",
      "Messages",
      "Conversations",
      "Campaigns",
      "Schedules",
      "Templates",
      "Contacts",
      "Suppressions",
      "Media",
    ]);
    // Channels are the admin's to create and change: a manager sees the list only.
    await nav.getByRole("link", { name: "Channels" }).click();
    await mp.getByRole("cell", { name: "operator SMSC", exact: true }).waitFor();
    expect(await mp.getByRole("link", { name: "operator SMSC" }).count()).toBe(0);
    expect(await mp.getByRole("link", { name: "New channel" }).count()).toBe(0);
    expect(await mp.getByRole("button", { name: /^(Pause|Resume|Drain) / }).count()).toBe(0);
    // A manager runs campaigns, at the pace an admin set on the channel.
    await nav.getByRole("link", { name: "Campaigns" }).click();
    await mp.getByRole("link", { name: "New campaign" }).click();
    const next = mp.getByRole("button", { name: "Next" });
    await mp.getByLabel("Channel type").selectOption("telegram");
    await mp.getByLabel("Channel", { exact: true }).selectOption({ label: "bot (telegram, active)" });
    await next.click();
    await mp.getByLabel("Message", { exact: true }).fill("Hello {NAME}");
    await next.click();
    await mp.getByLabel("two thousand (2000 contacts)").check();
    await next.click();
    await mp.getByTestId("campaign-rate").waitFor();
    expect(await mp.getByTestId("campaign-rate").textContent()).toMatch(/^The channel sends 6000 messages a minute\./);
    expect(await mp.getByLabel("Messages a minute").count()).toBe(0);
    expect(await mp.getByTestId("campaign-duration").textContent()).toBe("2000 recipients take about 20 s.");
    a11y.push(...(await checkPage(mp, "campaign-wizard-throttle-manager")));
    await context.close();
  });

  it("shows a user the lists of the manager's pages without the forms that would answer 403", async () => {
    const { context, page: up } = await signedInAs("support agent", "user");
    const nav = up.getByRole("navigation", { name: "Main" });

    await nav.getByRole("link", { name: "Contacts" }).click();
    await up.getByTestId("members-customers").waitFor();
    expect(await up.getByLabel("New group name").count()).toBe(0);
    expect(await up.getByRole("button", { name: /^(Create group|Import)$/ }).count()).toBe(0);
    a11y.push(...(await checkPage(up, "contacts-user")));

    await nav.getByRole("link", { name: "Templates" }).click();
    await up.getByRole("cell", { name: "order ready", exact: true }).waitFor();
    expect(await up.getByRole("button", { name: "Save template" }).count()).toBe(0);
    expect(await up.getByRole("heading", { name: "New template" }).count()).toBe(0);

    await nav.getByRole("link", { name: "Suppressions" }).click();
    await up.getByRole("cell", { name: "+251911000777", exact: true }).waitFor();
    expect(await up.getByRole("button", { name: /^(Suppress|Lift .*)$/ }).count()).toBe(0);
    expect(await up.getByLabel("Address", { exact: true }).count()).toBe(0);
    await context.close();
  });

  it("found no accessibility violation and no CSP violation on any page", () => {
    expect(a11y).toEqual([]);
    expect(csp).toEqual([]);
  });
});
