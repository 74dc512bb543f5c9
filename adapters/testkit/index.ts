export * from "./mock-provider.js";
export * from "./capture-logger.js";
export * from "./send-cases.js";
export * from "./webhook.js";
