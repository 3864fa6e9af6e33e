export { tableNames, defaultTablePrefix, type TableNames, type TableKey } from './table-names';
export {
  StorageConfigError,
  type StorageConfigErrorCode,
  type StorageConfigIssue,
  type StorageConfigPath,
} from './storage-config-error';
