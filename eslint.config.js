// Lint is part of the test command: type-aware rules catch unawaited promises, and the
// import-boundary rules keep adapters free of Dapr and actors free of provider I/O libraries.
import tseslint from "typescript-eslint";

const providerIo = ["undici", "nodemailer", "smpp", "smpp/*"];

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", "coverage/**", "eslint.config.js"] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/restrict-template-expressions": "off",
    },
  },
  {
    // Adapters are I/O edges: they speak provider protocols and know nothing of Dapr.
    files: ["adapters/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ group: ["@dapr/*", "**/actors/**", "**/services/dispatcher/**"], message: "Adapters may not import Dapr or the actor layer." }],
      }],
    },
  },
  {
    // Actors orchestrate; provider I/O goes through adapters.
    files: ["actors/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: providerIo.filter((p) => !p.includes("*")).map((name) => ({ name, message: "Actors may not do provider I/O; use an adapter." })),
        patterns: [{ group: ["smpp/*"], message: "Actors may not do provider I/O; use an adapter." }],
      }],
    },
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts", "bench/**/*.ts"],
    rules: { "@typescript-eslint/unbound-method": "off" },
  },
);
