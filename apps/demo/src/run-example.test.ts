import { readFile } from 'node:fs/promises';
import { asTenantId, asWorkflowId, type WorkflowInput } from '@pipewright/core';
import { createStorage } from '@pipewright/storage-adapters';
import { describe, expect, it } from 'vitest';
import { runExample, runReport } from './run-example';

describe('runExample', () => {
  it('runs lead-routing end to end: a hot lead goes to sales, the nurture branch is skipped', async () => {
    const workflow = JSON.parse(await readFile(new URL('../examples/lead-routing.json', import.meta.url), 'utf8')) as WorkflowInput;
    const run = await runExample(workflow, { email: 'ada@example.com', employees: 250, country: 'DE' });
    expect(run.status).toBe('succeeded');
    const byNode = Object.fromEntries(run.steps.map((step) => [step.nodeId, step]));
    expect(byNode['isHot']?.handle).toBe('true');
    expect(byNode['tagNurture']?.status).toBe('skipped');
    expect(byNode['tagSales']?.output).toMatchObject({ owner: 'sales', note: 'Hot lead from DE' });
    expect(run.logs).toEqual([expect.objectContaining({ level: 'info', msg: 'Lead ada@example.com routed', nodeId: 'log' })]);
    expect(runReport(run)).toContain('  skipped   tagNurture');
  });

  it('routes a small company to marketing', async () => {
    const workflow = JSON.parse(await readFile(new URL('../examples/lead-routing.json', import.meta.url), 'utf8')) as WorkflowInput;
    const run = await runExample(workflow, { email: 'bo@example.com', employees: 12, country: 'FR' });
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((step) => step.nodeId === 'tagSales')?.status).toBe('skipped');
    expect(run.output).toEqual([{ email: 'bo@example.com', employees: 12, score: 40, owner: 'marketing' }]);
  });

  it('runs on the SQLite storage npm start uses, and keeps each run', async () => {
    const workflow = JSON.parse(await readFile(new URL('../examples/lead-routing.json', import.meta.url), 'utf8')) as WorkflowInput;
    const storage = await createStorage({ connection: 'sqlite::memory:' });
    try {
      const first = await runExample(workflow, { email: 'ada@example.com', employees: 250, country: 'DE' }, storage);
      const second = await runExample(workflow, { email: 'bo@example.com', employees: 12, country: 'FR' }, storage);
      expect([first.status, second.status]).toEqual(['succeeded', 'succeeded']);
      const stored = await storage.store.listRuns(asTenantId('demo'), { workflowId: asWorkflowId('lead-routing') });
      expect(stored.items.map((run) => run.id)).toEqual([second.id, first.id]);
      expect((await storage.store.getWorkflow(asTenantId('demo'), asWorkflowId('lead-routing')))?.latestVersion).toBe(2);
    } finally {
      await storage.close();
    }
  });
});
