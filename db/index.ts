/** The database layer: open a driver, migrate, maintain, and the repositories the services use. */
export { openDatabase, type Database, type Orm, type OpenDatabaseOptions, type Session } from "./client.js";
export { runMigrations, MIGRATIONS_DIR, type MigrationResult } from "./migrate.js";
export { maintainPartitions, listPartitions, partitionName, PARTITIONED_TABLES, type PartitionReport } from "./partitions.js";
export { runMaintenance, startMaintenance, maintenanceOptionsFromEnv, maintenanceConfigSchema, type MaintenanceOptions, type MaintenanceReport } from "./maintenance.js";
export { SecretBox, SecretBoxError, channelCredentialsAad, channelWebhookSecretAad } from "./secret-box.js";
export { credentialKind, PROVIDERS } from "../adapters/credential-kinds.js";
export { uuidv7, uuidv7Time } from "./ids.js";
export * from "../core/messages/lifecycle.js";
export * as tables from "./schema.js";
export { openCredentials, openWebhookSecret, reencryptChannels } from "./channels/repository.js";
export { changeMessageStatus, getMessage, type StatusChange } from "./messages/repository.js";
