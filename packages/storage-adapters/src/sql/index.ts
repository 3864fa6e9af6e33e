export { openSqlDatabase, type SqlDatabase, type Listen } from './open-sql-database';
export type { SqlConnection, SqlConnectionOptions } from './sql-connection-options';
export { sqlFeatures, type SqlEngine, type SqlFeatures } from './sql-features';
export { migrateStore } from './migrate-store';
export { createSqlRunStore } from './sql-run-store';
export { createSqlJobQueue, type SqlJobQueueOptions } from './sql-job-queue';
