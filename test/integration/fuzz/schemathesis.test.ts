/**
 * An independent fuzzer against the embedded platform: Schemathesis (Python, pinned in
 * scripts/fuzz/schemathesis.sh) reads /v1/openapi.json and sends generated requests to every
 * operation with an API key: examples, boundary values, random valid and invalid inputs, and
 * stateful sequences that follow the document's links from a create to the row it returned.
 * Every check runs: no 5xx, every status and body as documented, content types, invalid input
 * refused, valid input accepted (except on the operations listed in schemathesis.toml, whose
 * rules no schema can state), authentication not ignored, deleted rows gone. Any failure it
 * reports fails this test. Bounded for CI: a fixed number of examples per operation, a fixed
 * seed, and a wall-clock budget.
 */

import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../../scripts/launcher/stack.js";
import { apiRoutes } from "../../../services/api/app.js";
import { startFuzzTarget, type FuzzTarget } from "./target.js";

const BASE_PORT = 30_500;
const EXAMPLES_PER_OPERATION = Number(process.env.FUZZ_MAX_EXAMPLES ?? 25);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_127);
/** Wall-clock budget of each Schemathesis pass; the run is killed and the test fails past it. */
const PASS_BUDGET_MS = 180_000;
const CONFIG = join(REPO_ROOT, "test/integration/fuzz/schemathesis.toml");
/**
 * Revoking API keys runs in a pass of its own, last, beside creating them (its link): with the
 * list in reach, stateful sequences revoke every key the account has, including the one the
 * fuzzer authenticates with, after which every other operation could only answer 401.
 */
const REVOKE_KEY = "revokeApiKey";
const CREATE_KEY = "createApiKey";

interface PassResult {
  label: string;
  exitCode: number;
  output: string;
  operations: number;
  generated: number;
  failures: number;
}

function runPass(st: string, target: FuzzTarget, label: string, select: string[]): Promise<PassResult> {
  const reportDir = mkdtempSync(join(tmpdir(), "turumba-fuzz-"));
  const args = [
    "--config-file",
    CONFIG,
    "run",
    `${target.baseUrl}/v1/openapi.json`,
    "--header",
    `X-API-Key: ${target.apiKey}`,
    "--max-examples",
    String(EXAMPLES_PER_OPERATION),
    "--seed",
    String(SEED),
    "--workers",
    "2",
    "--request-timeout",
    "15",
    "--report",
    "junit",
    "--report-dir",
    reportDir,
    ...select,
  ];
  return new Promise((resolve) => {
    execFile(
      st,
      args,
      {
        timeout: PASS_BUDGET_MS,
        // Whatever Schemathesis writes next to itself lands with the reports, not in the repository.
        cwd: reportDir,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, NO_COLOR: "1", SCHEMATHESIS_TELEMETRY: "false" },
      },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        const exitCode = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        const number = (re: RegExp) => Number(re.exec(output)?.[1] ?? NaN);
        const junit = readdirSync(reportDir).find((f) => f.endsWith(".xml"));
        const xml = junit ? readFileSync(join(reportDir, junit), "utf8") : "";
        resolve({
          label,
          exitCode,
          output,
          operations: number(/Tested:\s+(\d+)/),
          generated: number(/(\d+) generated/),
          failures: Number(/<testsuite [^>]*failures="(\d+)"/.exec(xml)?.[1] ?? NaN),
        });
      },
    );
  });
}

describe("OpenAPI fuzzing with Schemathesis", () => {
  let st = "";
  let target: FuzzTarget | undefined;

  beforeAll(async () => {
    st = execFileSync("bash", [join(REPO_ROOT, "scripts/fuzz/schemathesis.sh")], { encoding: "utf8" })
      .trim()
      .split("\n")
      .pop()!;
    target = await startFuzzTarget(BASE_PORT);
  });
  afterAll(async () => {
    await target?.stop();
  });

  it("finds no failure on any operation of /v1/openapi.json", { timeout: 2 * PASS_BUDGET_MS + 30_000 }, async () => {
    const version = execFileSync(st, ["--version"], { encoding: "utf8" }).trim();
    const started = Date.now();
    const passes = [
      await runPass(st, target!, "all operations but revoking keys", ["--exclude-operation-id", REVOKE_KEY]),
      await runPass(st, target!, "creating and revoking keys", [
        "--include-operation-id",
        CREATE_KEY,
        "--include-operation-id",
        REVOKE_KEY,
      ]),
    ];
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    const sum = (k: "generated" | "failures") => passes.reduce((n, p) => n + p[k], 0);
    // Creating keys runs in both passes; every other operation in one.
    const operations = passes[0]!.operations + 1;
    console.log(
      `${version}: ${operations} operations, ${sum("generated")} generated requests, ` +
        `${sum("failures")} failures in ${seconds} s (${EXAMPLES_PER_OPERATION} examples per operation, seed ${SEED})`,
    );
    for (const p of passes) {
      if (p.exitCode !== 0) console.log(`--- ${p.label}: exit ${p.exitCode}\n${p.output}`);
    }
    for (const p of passes) {
      expect(p.output, p.label).toMatch(/Tested:/);
      expect({ pass: p.label, exitCode: p.exitCode, failures: p.failures }).toEqual({
        pass: p.label,
        exitCode: 0,
        failures: 0,
      });
    }
    // Every operation the API declares was tested.
    expect([passes[0]!.operations, passes[1]!.operations]).toEqual([apiRoutes.length - 1, 2]);
    expect(operations).toBe(apiRoutes.length);
  });
});
