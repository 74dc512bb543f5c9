/**
 * The adapter testkit: what every provider's tests share (a mock provider, log capture, the table-driven
 * send and secret-hygiene suites, webhook requests and fixtures).
 */

export * from "./mock-provider.js";
export * from "./capture-logger.js";
export * from "./send-cases.js";
export * from "./webhook.js";
