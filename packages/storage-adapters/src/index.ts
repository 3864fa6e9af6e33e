export { tableNames, defaultTablePrefix, type TableNames, type TableKey, type BaseTableName } from './table-names';
export {
  StorageConfigError,
  type StorageConfigErrorCode,
  type StorageConfigIssue,
  type StorageConfigPath,
} from './storage-config-error';
export {
  openSqlDatabase,
  migrateStore,
  createSqlRunStore,
  createSqlJobQueue,
  sqlFeatures,
  type SqlDatabase,
  type SqlConnection,
  type SqlConnectionOptions,
  type SqlEngine,
  type SqlFeatures,
  type SqlJobQueueOptions,
} from './sql/index';
export { createStorage, type Storage, type StorageOptions } from './create-storage';
export { createBullmqJobQueue, type BullmqJobQueue, type BullmqJobQueueOptions } from './bullmq/index';
export { createFsBlobStore, type FsBlobStoreOptions } from './blob/index';
