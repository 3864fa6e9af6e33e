import { fileURLToPath } from 'node:url';
import { createEngine } from '@pipewright/core';
import { describe, expect, it } from 'vitest';
import { exampleRegistry } from './example-registry';
import { seedExamples } from './seed';

const examplesDir = fileURLToPath(new URL('../examples', import.meta.url));
const ctx = { tenantId: 'demo' };

describe('seedExamples', () => {
  it('publishes lead-routing once and keeps broken-draft as a draft with its diagnostics', async () => {
    const engine = createEngine({ registry: exampleRegistry });
    const first = await seedExamples(engine, ctx, examplesDir);
    expect(first).toEqual([
      { file: 'broken-draft.json', workflowId: 'broken-draft', summary: expect.stringMatching(/^broken-draft\.json: does not compile \(\d+ errors\)$/), draft: { saved: true } },
      { file: 'lead-routing.json', workflowId: 'lead-routing', summary: 'lead-routing.json: compiles (7 nodes)', published: { version: 1, isNew: true } },
    ]);
    expect(await engine.workflows.listVersions(ctx, 'broken-draft')).toEqual([]);
    expect((await engine.workflows.get(ctx, 'broken-draft'))?.latestVersion).toBe(0);

    const again = await seedExamples(engine, ctx, examplesDir);
    expect(again.map((example) => example.published ?? example.draft)).toEqual([{ saved: false }, { version: 1, isNew: false }]);
    expect((await engine.workflows.listVersions(ctx, 'lead-routing')).map((version) => version.version)).toEqual([1]);
  });

  it('publishes the file again when the live version differs from it, and restores an edited draft', async () => {
    const engine = createEngine({ registry: exampleRegistry });
    await seedExamples(engine, ctx, examplesDir);
    const live = await engine.workflows.getVersion(ctx, (await engine.workflows.listVersions(ctx, 'lead-routing'))[0]!.id);
    await engine.workflows.save(ctx, { ...live!.definition, name: 'Edited in the builder' });
    await engine.workflows.publish(ctx, 'lead-routing');
    const draft = (await engine.workflows.get(ctx, 'broken-draft'))!.draft;
    await engine.workflows.save(ctx, { ...draft, nodes: draft.nodes.slice(0, 1), edges: [] });

    const seeded = await seedExamples(engine, ctx, examplesDir);
    expect(seeded.map((example) => example.published ?? example.draft)).toEqual([{ saved: true }, { version: 3, isNew: true }]);
    expect((await engine.workflows.get(ctx, 'lead-routing'))?.name).toBe('Route a new lead');
  });
});
