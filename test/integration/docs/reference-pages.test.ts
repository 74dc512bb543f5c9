/**
 * The API reference pages (/docs) rendered by a real browser: Debian's Chromium, headless, loads
 * them from a real API (over PostgreSQL) and dumps the DOM once the renderer has fetched and drawn
 * /v1/openapi.json. The pages must show the operations and the browser must report no
 * Content-Security-Policy violation (Chromium logs each one to stderr as a console message).
 */

import { execFile, execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../api/harness.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** The browser's rendered DOM and its log (console messages included) for one page. */
function render(chromium: string, url: string): Promise<{ dom: string; log: string }> {
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--enable-logging=stderr",
    "--log-level=0",
    // Virtual time runs until the page is idle (scripts loaded, document fetched and rendered) or
    // the budget is spent, whichever comes first.
    "--virtual-time-budget=15000",
    "--dump-dom",
    url,
  ];
  return new Promise((resolve, reject) => {
    execFile(chromium, args, { maxBuffer: 64 * 1024 * 1024, timeout: 90_000 }, (err, stdout, stderr) => {
      if (err && !stdout) reject(new Error(`chromium failed: ${err.message}\n${stderr}`));
      else resolve({ dom: stdout, log: stderr });
    });
  });
}

const violations = (log: string) => log.split("\n").filter((l) => /Content Security Policy/i.test(l));

describe("API reference pages in Chromium", () => {
  let h: Harness;
  let chromium: string;
  beforeAll(async () => {
    chromium = execFileSync("bash", ["scripts/chromium.sh"], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").pop()!;
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it("notices a violation when there is one (the log is where violations appear)", async () => {
    const page = `<meta http-equiv="Content-Security-Policy" content="script-src 'none'"><script>1</script><p>x</p>`;
    const { log } = await render(chromium, `data:text/html,${encodeURIComponent(page)}`);
    expect(violations(log).length).toBeGreaterThan(0);
  });

  it("renders every operation of the document with no CSP violation", async () => {
    const { dom, log } = await render(chromium, `${h.url}/docs`);
    expect(violations(log)).toEqual([]);
    expect(dom).toContain("Turumba Messaging API");
    expect(dom).toContain("createMessage");
    expect(dom).toContain("Create a message; an outbound one is queued");
    const doc = (await h.call("GET", "/v1/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    const ids = Object.values(doc.paths).flatMap((ops) =>
      Object.values(ops).map((op) => (op as { operationId: string }).operationId),
    );
    expect(ids.length).toBeGreaterThan(20);
    for (const id of ids) expect(dom, id).toContain(id);
  });
});
