/** What a host process needs to serve the messaging API. */

export { createApiApp, apiRoutes, API_VERSION } from "./app.js";
export { loadApiConfig, apiConfigSchema, type ApiConfig } from "./config.js";
export type { ApiDeps } from "./context.js";
export { buildOpenApi } from "./openapi.js";
