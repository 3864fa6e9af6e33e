import { describe, expect, expectTypeOf, it } from 'vitest';
import { StorageConfigError } from './storage-config-error';
import { tableNames } from './table-names';

function rejection(prefix: unknown): StorageConfigError {
  try {
    // Deliberately bypasses the signature: JavaScript hosts and config files can pass anything.
    tableNames(prefix as string);
  } catch (error) {
    if (StorageConfigError.is(error)) return error;
    throw error;
  }
  throw new Error(`Expected ${JSON.stringify(prefix)} to be rejected`);
}

describe('tableNames', () => {
  it('uses the pw_ prefix by default', () => {
    expect(tableNames()).toEqual({
      workflows: 'pw_workflows',
      workflowVersions: 'pw_workflow_versions',
      runs: 'pw_runs',
      runEvents: 'pw_run_events',
      jobs: 'pw_jobs',
      deadLetters: 'pw_dead_letters',
      flowStates: 'pw_flow_states',
      queueTenants: 'pw_queue_tenants',
      connections: 'pw_connections',
      auditEntries: 'pw_audit_entries',
      triggers: 'pw_triggers',
      migrations: 'pw_migrations',
      migrationLock: 'pw_migration_lock',
    });
    expectTypeOf(tableNames().runEvents).toEqualTypeOf<'pw_run_events'>();
  });

  it('treats an explicit undefined like an omitted prefix', () => {
    const configured: { tablePrefix?: string } = {};
    expect(tableNames(configured.tablePrefix)).toEqual(tableNames());
  });

  it('applies a custom prefix to every table', () => {
    const tables = tableNames('acme_pw_');
    expect(Object.values(tables)).toHaveLength(13);
    for (const name of Object.values(tables)) expect(name.startsWith('acme_pw_')).toBe(true);
    expect(tables.deadLetters).toBe('acme_pw_dead_letters');
    expectTypeOf(tables.migrationLock).toEqualTypeOf<'acme_pw_migration_lock'>();
  });

  it('allows the empty prefix, for hosts that want bare table names', () => {
    const tables = tableNames('');
    expect(tables.workflows).toBe('workflows');
    expect(tables.runEvents).toBe('run_events');
    expect(tables.migrations).toBe('migrations');
  });

  it('accepts prefixes that start with an underscore or hold digits', () => {
    expect(tableNames('_').jobs).toBe('_jobs');
    expect(tableNames('tenant2_').jobs).toBe('tenant2_jobs');
  });

  it('returns a frozen object', () => {
    const tables = tableNames();
    expect(Object.isFrozen(tables)).toBe(true);
    expect(() => {
      (tables as { jobs: string }).jobs = 'other';
    }).toThrow(TypeError);
  });

  it('keeps every name a valid unquoted identifier within PostgreSQL and MySQL limits', () => {
    const longest = 'p'.repeat(21);
    for (const name of Object.values(tableNames(longest))) {
      expect(name).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(name.length).toBeLessThanOrEqual(63);
    }
  });

  it.each([
    ['upper case', 'PW_'],
    ['a single quote', "pw'_"],
    ['a double quote', 'pw"_'],
    ['a space', 'pw _'],
    ['a hyphen', 'pw-'],
    ['a leading digit', '1pw_'],
    ['a statement separator', 'pw_;drop table x;--'],
    ['non-ASCII letters', 'pé_'],
  ])('rejects a prefix with %s', (_label, prefix) => {
    const error = rejection(prefix);
    expect(error).toBeInstanceOf(StorageConfigError);
    expect(error.code).toBe('invalid_table_prefix');
    expect(error.message).toContain(JSON.stringify(prefix));
    expect(error.issues.map((issue) => issue.code)).toContain('invalid_format');
  });

  it('rejects a prefix longer than 21 characters', () => {
    expect(tableNames('p'.repeat(21)).jobs).toBe(`${'p'.repeat(21)}jobs`);
    const error = rejection('p'.repeat(22));
    expect(error.issues).toEqual([
      { path: [], code: 'too_big', message: 'Table prefix must be at most 21 characters' },
    ]);
  });

  it('lists every issue, not only the first', () => {
    const error = rejection(`${'P'.repeat(22)}`);
    expect(error.issues.map((issue) => issue.code).sort()).toEqual(['invalid_format', 'too_big']);
    expect(error.message).toContain('at most 21 characters');
    expect(error.message).toContain('may contain only a-z, 0-9 and _');
  });

  it('rejects a prefix that is not a string', () => {
    const error = rejection(42);
    expect(error.issues).toEqual([{ path: [], code: 'invalid_type', message: 'Table prefix must be a string' }]);
    expect(error.message).toContain('of type number');
  });
});
