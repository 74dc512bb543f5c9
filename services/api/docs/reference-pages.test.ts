import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCS_CSP, referencePages } from "./reference-pages.js";

const asset = (name: string) => createRequire(import.meta.url).resolve(`swagger-ui-dist/${name}`);

describe("API reference pages (/docs)", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const app = express();
    app.use("/docs", referencePages());
    server = createServer(app);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("serves the page with a CSP that allows this origin only and no inline script", async () => {
    const res = await fetch(`${base}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toBe(DOCS_CSP);
    const directives = new Map(csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));
    expect(directives.get("default-src")).toEqual(["'none'"]);
    expect(directives.get("script-src")).toEqual(["'self'"]);
    expect(directives.get("connect-src")).toEqual(["'self'"]);
    expect(directives.get("img-src")).toEqual(["'self'", "data:"]);
    expect(directives.get("style-src")).toEqual(["'self'"]);
    expect(csp).not.toMatch(/https?:|\*|unsafe-/);
    const html = await res.text();
    // Every script is a file from this origin: no inline code for the policy to forbid.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs).toEqual(["/docs/assets/swagger-ui.css", "/docs/assets/swagger-ui-bundle.js", "/docs/init.js"]);
  });

  it("serves the renderer's files from node_modules, byte for byte, with their types", async () => {
    for (const [name, type] of [
      ["swagger-ui-bundle.js", /^text\/javascript/],
      ["swagger-ui.css", /^text\/css/],
    ] as const) {
      const res = await fetch(`${base}/docs/assets/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(type);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(asset(name)))).toBe(true);
    }
  });

  it("serves the init script as a file that loads the API's own document", async () => {
    const res = await fetch(`${base}/docs/init.js`);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("content-security-policy")).toBe(DOCS_CSP);
    const js = await res.text();
    expect(js).toContain('url: "/v1/openapi.json"');
    expect(js).toContain("validatorUrl: null");
  });

  it("ships the renderer with the image: a production dependency, pinned exactly", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies["swagger-ui-dist"]).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("serves no other file of the package (no directory listing, no traversal)", async () => {
    for (const path of ["/docs/assets/package.json", "/docs/assets/index.html", "/docs/assets/..%2Fpackage.json"]) {
      expect((await fetch(`${base}${path}`)).status).toBe(404);
    }
  });
});
