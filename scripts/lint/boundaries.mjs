/**
 * The architecture's import rules, as ESLint configuration shared by eslint.config.js and the
 * test that proves each rule bites (scripts/lint/boundaries.test.ts). Imports are resolved to
 * files with TypeScript's resolution (`./x.js` names `./x.ts`) before the zones are checked, so
 * a relative path cannot slip past a boundary by its spelling.
 *
 *   core/      the domain kernel: imports nothing of the app; packages zod, croner, pino, node:*
 *   db/        persistence: imports core/ only; no Dapr, no provider I/O
 *   adapters/  provider I/O edges: no actors, db, services, Dapr or SQL drivers; a provider's
 *              folder uses adapters/contract (and the testkit), never another provider's folder
 *   actors/    orchestrate through ports: no adapters/, db/ or services/, no provider I/O libraries
 *   services/api (REST) and the pipeline (dispatcher, campaign, status, inbound) never import
 *              each other; services/main.ts composes everything
 *   clients/   the API's client packages stand alone: they reach the API over HTTP, never its code
 */
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import importX from "eslint-plugin-import-x";

const PIPELINE = ["./services/dispatcher", "./services/campaign", "./services/status", "./services/inbound"];
const OUTSIDE_CORE = ["./adapters", "./db", "./services", "./actors", "./scripts", "./bench", "./test"];
const PROVIDERS = ["africastalking", "email", "messenger", "smpp", "telegram", "twilio", "vonage", "whatsapp"];
const PROVIDER_IO = ["undici", "nodemailer", "smpp"];
const SEPARATE = "The REST layer and the pipeline do not import each other.";

const zones = [
  { target: "./core", from: OUTSIDE_CORE, message: "core/ is the domain kernel: it imports nothing of the app." },
  {
    target: "./db",
    from: OUTSIDE_CORE.filter((d) => d !== "./db"),
    message: "db/ is persistence: it imports core/ only.",
  },
  {
    target: "./adapters",
    from: ["./actors", "./db", "./services", "./scripts", "./bench", "./test"],
    message: "Adapters are provider I/O edges: no actors, database or services.",
  },
  ...PROVIDERS.map((p) => ({
    target: `./adapters/${p}`,
    from: "./adapters",
    except: [`./${p}`, "./contract", "./testkit"],
    message: "A provider's folder uses the adapter contract, never another provider's folder.",
  })),
  {
    target: "./actors",
    from: ["./adapters", "./db", "./services", "./scripts", "./bench", "./test"],
    message: "Actors orchestrate through their ports; the wiring in services/ supplies them.",
  },
  { target: "./services/api", from: PIPELINE, message: SEPARATE },
  ...PIPELINE.map((target) => ({ target, from: "./services/api", message: SEPARATE })),
  {
    target: "./clients",
    from: ["./core", ...OUTSIDE_CORE],
    message: "A client package stands alone: it reaches the API over HTTP, never its code.",
  },
];

const restricted = (message, names) => ({
  paths: names.map((name) => ({ name, message })),
  patterns: [{ group: names.map((n) => `${n}/*`), message }],
});

/** Flat-config objects: the resolver, the zones, and the package rules per layer. */
export function boundaryConfigs(root) {
  return [
    {
      plugins: { "import-x": importX },
      settings: { "import-x/resolver-next": [createTypeScriptImportResolver({ project: `${root}/tsconfig.json` })] },
      rules: { "import-x/no-restricted-paths": ["error", { basePath: root, zones }] },
    },
    {
      files: ["core/**/*.ts"],
      ignores: ["**/*.test.ts"],
      rules: {
        "no-restricted-imports": [
          "error",
          {
            patterns: [
              {
                regex: "^(?!zod$|croner$|pino$|node:|\\.)",
                message: "core/ imports only zod, croner, pino and node:*.",
              },
            ],
          },
        ],
      },
    },
    {
      files: ["db/**/*.ts"],
      rules: {
        "no-restricted-imports": [
          "error",
          restricted("db/ does no Dapr or provider I/O.", ["@dapr/dapr", ...PROVIDER_IO]),
        ],
      },
    },
    {
      files: ["adapters/**/*.ts"],
      rules: {
        "no-restricted-imports": [
          "error",
          restricted("Adapters may not import Dapr or the database drivers.", [
            "@dapr/dapr",
            "pg",
            "drizzle-orm",
            "@electric-sql/pglite",
          ]),
        ],
      },
    },
    {
      files: ["actors/**/*.ts"],
      rules: {
        "no-restricted-imports": ["error", restricted("Actors may not do provider I/O; use an adapter.", PROVIDER_IO)],
      },
    },
  ];
}
