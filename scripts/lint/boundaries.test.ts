import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../validate/generate.js";
import { boundaryConfigs } from "./boundaries.mjs";

/**
 * Each layer rule bites: a file placed in a layer that imports across its boundary is an error,
 * and the imports the architecture allows are not. The snippets are linted in memory under
 * real paths, and their imports resolve to real files of the repository.
 */
const eslint = new ESLint({
  cwd: REPO_ROOT,
  overrideConfigFile: true,
  overrideConfig: [{ files: ["**/*.ts"], languageOptions: { parser: tseslint.parser } }, ...boundaryConfigs(REPO_ROOT)],
});

async function errors(file: string, importLine: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${importLine}\nexport const used = [imported];\n`, {
    filePath: `${REPO_ROOT}/${file}`,
  });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => m.ruleId ?? m.message);
}

const ZONE = "import-x/no-restricted-paths";
const PACKAGE = "no-restricted-imports";

describe("layer boundaries", () => {
  it.each([
    ["core imports the database", "core/probe.ts", 'import { openDatabase as imported } from "../db/client.js";', ZONE],
    [
      "core imports an adapter's contract",
      "core/messages/probe.ts",
      'import { httpCall as imported } from "../../adapters/contract/http.js";',
      ZONE,
    ],
    ["core imports a driver", "core/probe.ts", 'import imported from "pg";', PACKAGE],
    [
      "the client package imports the API's code",
      "clients/typescript/probe.ts",
      'import { apiRoutes as imported } from "../../services/api/app.js";',
      ZONE,
    ],
    [
      "db imports a service",
      "db/messages/probe.ts",
      'import { createApiApp as imported } from "../../services/api/app.js";',
      ZONE,
    ],
    [
      "db imports an actor",
      "db/probe.ts",
      'import { ChannelActor as imported } from "../actors/channel/ChannelActor.js";',
      ZONE,
    ],
    [
      "an adapter imports the database",
      "adapters/twilio/probe.ts",
      'import { openDatabase as imported } from "../../db/client.js";',
      ZONE,
    ],
    [
      "an adapter imports Dapr",
      "adapters/twilio/probe.ts",
      'import { DaprClient as imported } from "@dapr/dapr";',
      PACKAGE,
    ],
    [
      "a provider imports another provider",
      "adapters/vonage/probe.ts",
      'import { TwilioAdapter as imported } from "../twilio/adapter.js";',
      ZONE,
    ],
    ["an actor does provider I/O", "actors/channel/probe.ts", 'import { request as imported } from "undici";', PACKAGE],
    [
      "an actor imports an adapter",
      "actors/channel/probe.ts",
      'import { TwilioAdapter as imported } from "../../adapters/twilio/adapter.js";',
      ZONE,
    ],
    [
      "an actor imports a service",
      "actors/channel/probe.ts",
      'import { createApiApp as imported } from "../../services/api/app.js";',
      ZONE,
    ],
    [
      "the REST layer imports the pipeline",
      "services/api/routes/probe.ts",
      'import { campaignSweep as imported } from "../../campaign/sweep.js";',
      ZONE,
    ],
    [
      "the pipeline imports the REST layer",
      "services/status/probe.ts",
      'import { createApiApp as imported } from "../api/app.js";',
      ZONE,
    ],
  ])("%s is refused", async (_name, file, line, rule) => {
    expect(await errors(file, line)).toContain(rule);
  });

  it.each([
    ["core imports zod", "core/probe.ts", 'import { z as imported } from "zod";'],
    ["core imports Node", "core/probe.ts", 'import { createHash as imported } from "node:crypto";'],
    [
      "db imports core",
      "db/messages/probe.ts",
      'import { MESSAGE_STATUSES as imported } from "../../core/messages/lifecycle.js";',
    ],
    [
      "a provider imports the contract",
      "adapters/twilio/probe.ts",
      'import { httpCall as imported } from "../contract/http.js";',
    ],
    [
      "an actor imports the kernel",
      "actors/channel/probe.ts",
      'import { SendError as imported } from "../../core/dispatch/send-error.js";',
    ],
    [
      "an adapter imports the kernel",
      "adapters/twilio/probe.ts",
      'import { segmentInfo as imported } from "../../core/sms/encoding.js";',
    ],
    [
      "the REST layer imports db",
      "services/api/routes/probe.ts",
      'import { openDatabase as imported } from "../../../db/client.js";',
    ],
  ])("%s is allowed", async (_name, file, line) => {
    expect(await errors(file, line)).toEqual([]);
  });
});
