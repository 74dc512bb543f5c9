/**
 * Debian's Chromium driven by playwright-core (Playwright's own browser download cannot work on
 * machines without internet), with the flags a closed network needs, plus the checks every page
 * of the console gets: axe-core's accessibility rules, no Content-Security-Policy violation, and
 * a screenshot in the light and the dark theme.
 */

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const SCREENSHOTS = join(process.cwd(), ".build", "screenshots");

export async function launchChromium(): Promise<Browser> {
  const executablePath = execFileSync("bash", ["scripts/chromium.sh"], { encoding: "utf8" }).trim().split("\n").pop()!;
  return chromium.launch({
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's WCAG 2 A and AA rules on the page as it is now; the violations, summarised. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated by the driver, not added as a page script: the page's CSP forbids inline scripts.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const r = await axe.run((globalThis as unknown as { document: unknown }).document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"] },
    });
    return r.violations;
  });
  return violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
}

/** CSP violations the page reports from now on (Chromium logs each as a console error). */
export function watchCsp(page: Page): string[] {
  const seen: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy/i.test(m.text())) seen.push(m.text());
  });
  return seen;
}

async function setTheme(page: Page, theme: "light" | "dark"): Promise<void> {
  await page.evaluate((t) => {
    // Runs in the page, where document exists; this file is type-checked without the DOM library.
    const html = (
      globalThis as unknown as {
        document: {
          documentElement: { classList: { toggle(c: string, on: boolean): void }; style: { colorScheme: string } };
        };
      }
    ).document.documentElement;
    html.classList.toggle("dark", t === "dark");
    html.style.colorScheme = t;
  }, theme);
}

/**
 * Checks the page in both themes (axe in each: contrast differs) and saves a screenshot of each;
 * returns the violations found. The theme goes back to light.
 */
export async function checkPage(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const found: string[] = [];
  for (const theme of ["light", "dark"] as const) {
    await setTheme(page, theme);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${theme}.png`) });
    found.push(...(await axeViolations(page)).map((v) => `${name} ${theme}: ${v}`));
  }
  await setTheme(page, "light");
  return found;
}
