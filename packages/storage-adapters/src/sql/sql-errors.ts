/**
 * Whether a driver error is a unique or primary-key violation: SQLSTATE 23505 (pg),
 * ER_DUP_ENTRY 1062 (mysql2), SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY (better-sqlite3).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return code === '23505' || code === 'ER_DUP_ENTRY' || errno === 1062 || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
