/**
 * Whether a driver error is a unique or primary-key violation: SQLSTATE 23505 (pg),
 * ER_DUP_ENTRY 1062 (mysql2), SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY (better-sqlite3).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return code === '23505' || code === 'ER_DUP_ENTRY' || errno === 1062 || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Whether a transaction lost a lock race and is worth running again: a deadlock or lock
 * wait timeout (MySQL 1213 / 1205, PostgreSQL 40P01 / 40001) or a busy SQLite file.
 */
export function isTransientConflict(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  return (
    errno === 1213 ||
    errno === 1205 ||
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_WAIT_TIMEOUT' ||
    code === '40P01' ||
    code === '40001' ||
    (typeof code === 'string' && code.startsWith('SQLITE_BUSY'))
  );
}

/** Runs `work` again, after a short random pause, while it fails with a transient conflict. */
export async function retryTransient<T>(work: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isTransientConflict(error) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}
