/**
 * Is the console's Overview responsive while a big campaign runs? The embedded platform (one app,
 * one daprd, PGlite) and the provider simulator, Debian's Chromium showing /console: the Overview
 * is loaded and watched once on an idle platform, then again and again while a 100K-recipient
 * campaign fans out and sends. Per load it measures the time to interactive (navigation until the
 * Overview's first stats sample is drawn and a click is answered), and over a window of seconds
 * the frame rate (requestAnimationFrame callbacks a second), the longest frame, the main thread's
 * long tasks (over 50 ms: total blocking time), and the time a click takes to be answered. Prints
 * figures; asserts nothing.
 *
 *   node --import tsx bench/console-overview.ts   (BENCH_RECIPIENTS=100000, BENCH_RATE_PER_MIN=600000,
 *                                                  BENCH_WINDOW_MS=10000, BENCH_BASE_PORT=19800)
 *
 * Needs the Dapr binaries and Debian's Chromium (scripts/chromium.sh). Loopback only.
 */

import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { Page } from "playwright-core";
import { simulatorEnv, simulatorPorts } from "../scripts/launcher/simulator.js";
import { spawnSimulator } from "../services/simulator/spawn.js";
import { launchChromium } from "../test/integration/console/browser.js";
import { TEST_KEYS } from "../test/integration/support/seed.js";
import { startTestStack } from "../test/integration/support/stack.js";
import { printTable } from "./lib.js";

const N = Number(process.env.BENCH_RECIPIENTS ?? 100_000);
const RATE = Number(process.env.BENCH_RATE_PER_MIN ?? 600_000);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 10_000);
const BASE = Number(process.env.BENCH_BASE_PORT ?? 19_800);
const say = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  when: string;
  ttiMs: number;
  fps: number;
  worstFrameMs: number;
  longTasks: number;
  blockingMs: number;
  clickMs: number;
  sent: number;
}

/** Time to interactive: navigation until the first sample is drawn and a click is answered. */
async function loadOverview(page: Page, url: string): Promise<number> {
  const start = performance.now();
  await page.goto(url);
  await page.getByTestId("delivery-rate").waitFor({ timeout: 120_000 });
  await clickLatency(page);
  return performance.now() - start;
}

/** A click on the theme switch until the page shows the other theme (the main thread's answer time). */
async function clickLatency(page: Page): Promise<number> {
  const toggle = page.getByRole("button", { name: /^Switch to (light|dark) theme$/ });
  const before = await toggle.getAttribute("aria-label");
  const start = performance.now();
  await toggle.click();
  await page
    .getByRole("button", { name: before === "Switch to dark theme" ? "Switch to light theme" : "Switch to dark theme" })
    .waitFor();
  return performance.now() - start;
}

/**
 * The in-page measurement, as source text: tsx compiles this file with names kept, which wraps
 * named functions in a helper the page does not have, so the function goes to the page as text.
 */
const WATCH = `async (windowMs) => {
  const long = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) long.push(e.duration);
  });
  observer.observe({ type: "longtask", buffered: false });
  const frames = [];
  await new Promise((done) => {
    let first;
    function tick(t) {
      first ??= t;
      frames.push(t);
      if (t - first < windowMs) requestAnimationFrame(tick);
      else done();
    }
    requestAnimationFrame(tick);
  });
  observer.disconnect();
  const gaps = frames.slice(1).map((t, i) => t - frames[i]);
  const span = frames.at(-1) - frames[0];
  return {
    fps: ((frames.length - 1) * 1000) / span,
    worstFrameMs: Math.max(...gaps),
    longTasks: long.length,
    blockingMs: long.reduce((s, d) => s + Math.max(0, d - 50), 0),
  };
}`;

/** Frames and long tasks in the page over `ms` (measured in the page, read back at the end). */
async function watch(
  page: Page,
  ms: number,
): Promise<{ fps: number; worstFrameMs: number; longTasks: number; blockingMs: number }> {
  return page.evaluate(`(${WATCH})(${ms})`);
}

execFileSync("bash", ["scripts/build-console.sh"], { stdio: "inherit" });
const sim = await spawnSimulator({}, simulatorPorts(BASE));
const t = await startTestStack({
  set: "embedded",
  basePort: BASE,
  env: { CREDENTIALS_KEYS: TEST_KEYS, ...simulatorEnv(BASE) },
  appEnv: { API_RATE_LIMIT: "0", LOG_LEVEL: "warn" },
});
const browser = await launchChromium();
try {
  const accountId = randomUUID();
  const key = ((await t.ops("/internal/api-keys", { method: "POST", body: { accountId } })).body as { key: string })
    .key;
  const url = (path: string) => t.stack.url(t.apiApp, path);
  const api = async (method: string, path: string, body?: string | object, type = "application/json") => {
    const res = await fetch(url(path), {
      method,
      headers: { "x-api-key": key, "content-type": type },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const channel = await api("POST", "/v1/channels", {
    name: "bot",
    channel_type: "telegram",
    credentials: { bot_token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ" },
    rate_limit: RATE,
  });
  if (channel.status !== 201) throw new Error(`channel: ${channel.status} ${JSON.stringify(channel.body)}`);
  const group = await api("POST", "/v1/contact-groups", { name: "bench" });
  const csv = ["name,telegram_chat_id", ...Array.from({ length: N }, (_, i) => `Person${i},${100_000_000 + i}`)];
  const imported = await api(
    "POST",
    `/v1/contact-groups/${group.body.id as string}/import`,
    csv.join("\n"),
    "text/csv",
  );
  if (imported.status !== 200) throw new Error(`import: ${imported.status} ${JSON.stringify(imported.body)}`);
  say(`imported ${N.toLocaleString("en")} contacts`);

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url("/console/signin"));
  await page.getByLabel("API key", { exact: true }).fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();

  const samples: Sample[] = [];
  const sentNow = async () => Number((await api("GET", `/v1/group-messages/${campaignId}`)).body.sent_count ?? 0);
  let campaignId = "";
  const measure = async (when: string) => {
    const ttiMs = await loadOverview(page, url("/console/"));
    const w = await watch(page, WINDOW_MS);
    const clickMs = await clickLatency(page);
    const sent = campaignId ? await sentNow() : 0;
    samples.push({ when, ttiMs, ...w, clickMs, sent });
    say(`  ${when}: TTI ${ttiMs.toFixed(0)} ms, ${w.fps.toFixed(1)} fps, ${sent} sent`);
  };

  await measure("idle");
  const created = await api("POST", "/v1/group-messages", {
    name: "bench",
    channel_id: channel.body.id,
    message_body: "Hello {NAME}",
    contact_group_ids: [group.body.id],
    status: "queued",
  });
  if (created.status !== 201) throw new Error(`campaign: ${created.status} ${JSON.stringify(created.body)}`);
  campaignId = created.body.id as string;
  const started = performance.now();
  for (let i = 1; ; i++) {
    await measure(`campaign ${i}`);
    const g = (await api("GET", `/v1/group-messages/${campaignId}`)).body;
    if (["completed", "partially_failed", "failed"].includes(g.status as string)) break;
    if (performance.now() - started > 30 * 60_000) throw new Error("the campaign did not finish in 30 min");
    await sleep(1_000);
  }
  say(`campaign finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);

  printTable(
    `Overview in Chromium, ${WINDOW_MS / 1000} s windows, while a ${N.toLocaleString("en")}-recipient campaign runs`,
    samples.map((s) => ({
      when: s.when,
      "sent so far": s.sent,
      "TTI ms": Math.round(s.ttiMs),
      fps: s.fps.toFixed(1),
      "worst frame ms": Math.round(s.worstFrameMs),
      "long tasks": s.longTasks,
      "blocking ms": Math.round(s.blockingMs),
      "click ms": Math.round(s.clickMs),
    })),
  );
} finally {
  await browser.close();
  await t.stop();
  await sim.stop();
}
