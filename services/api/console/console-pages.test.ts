import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_CSP, consolePages } from "./console-pages.js";

async function serve(dir: string): Promise<{ base: string; server: Server }> {
  const app = express();
  app.use("/console", consolePages(dir));
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("the console's pages (/console)", () => {
  // Under a dot directory, as the real build folder (.build/console) is.
  const dir = join(mkdtempSync(join(tmpdir(), "console-")), ".build", "console");
  mkdirSync(join(dir, "assets"), { recursive: true });
  writeFileSync(
    join(dir, "index.html"),
    '<!doctype html><script type="module" src="/console/assets/app-1.js"></script>',
  );
  writeFileSync(join(dir, "assets", "app-1.js"), "console.log(1)");
  writeFileSync(join(dir, "outside.js"), "secret()");
  let s: { base: string; server: Server };
  beforeAll(async () => (s = await serve(dir)));
  afterAll(() => new Promise<void>((r) => s.server.close(() => r())));

  it("answers the page for every client route, with a CSP that allows no inline script and this origin only", async () => {
    for (const path of ["/console/", "/console/messages", "/console/channels/abc?x=1"]) {
      const res = await fetch(`${s.base}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      const csp = res.headers.get("content-security-policy")!;
      expect(csp).toBe(CONSOLE_CSP);
      expect(csp).not.toMatch(/unsafe-|https?:|\*/);
      expect(csp).toContain("script-src 'self'");
      expect(await res.text()).toContain("/console/assets/app-1.js");
    }
  });

  it("redirects /console to /console/ so relative paths resolve", async () => {
    const res = await fetch(`${s.base}/console`, { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("/console/");
  });

  it("serves hashed assets for a year, and nothing outside the assets folder", async () => {
    const res = await fetch(`${s.base}/console/assets/app-1.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${s.base}/console/assets/missing-2.js`)).status).toBe(404);
    const escape = await fetch(`${s.base}/console/assets/..%2Foutside.js`);
    expect(await escape.text()).not.toContain("secret()");
  });

  it("says how to build the console when it is not built", async () => {
    const empty = await serve(mkdtempSync(join(tmpdir(), "console-empty-")));
    try {
      const res = await fetch(`${empty.base}/console/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain("npm run build:console");
    } finally {
      await new Promise<void>((r) => empty.server.close(() => r()));
    }
  });
});
