import { readdir, readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { asTenantId, asWorkflowId, parseWorkflow, type Engine, type TenantContext, type Workflow } from '@pipewright/core';
import { compileReport } from './compile-report';

/** What seeding did with one example file. */
export interface SeededExample {
  file: string;
  workflowId: string;
  /** The compile report's first line: "x.json: compiles (7 nodes)" or "... does not compile (6 errors)". */
  summary: string;
  /** For a workflow that compiles: the version now live and whether this start published it. */
  published?: { version: number; isNew: boolean };
  /** For one that does not: whether this start wrote the file over the stored draft. */
  draft?: { saved: boolean };
}

/** JSON as the store keeps it: no `undefined` members, so two equal definitions compare equal. */
function asStored(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/**
 * Puts the example workflows in `directory` into the tenant's workspace, idempotently:
 * one that compiles is saved and published unless its latest published version already
 * is the file; one that does not compile is kept as a draft (equal to the file), so the
 * API can show its diagnostics. A restart over the same database changes nothing.
 */
export async function seedExamples(engine: Engine, ctx: TenantContext, directory: string): Promise<SeededExample[]> {
  const files = (await readdir(directory)).filter((name) => name.endsWith('.json')).sort();
  const seeded: SeededExample[] = [];
  for (const file of files) {
    const definition = JSON.parse(await readFile(`${directory}/${file}`, 'utf8')) as unknown;
    const parsed = parseWorkflow(definition);
    if (!parsed.ok) throw new Error(`${file} is not a workflow: ${parsed.issues.map((issue) => issue.message).join('; ')}`);
    const workflowId = parsed.workflow.id;
    const compiled = engine.workflows.validate(definition);
    const summary = compileReport(file, compiled)[0] ?? file;
    if (compiled.ok) {
      seeded.push({ file, workflowId, summary, published: await publishUnlessCurrent(engine, ctx, parsed.workflow) });
    } else {
      const stored = await engine.workflows.get(ctx, workflowId);
      const saved = stored === undefined || !isDeepStrictEqual(asStored(stored.draft), asStored(parsed.workflow));
      if (saved) await engine.workflows.save(ctx, definition);
      seeded.push({ file, workflowId, summary, draft: { saved } });
    }
  }
  return seeded;
}

async function publishUnlessCurrent(engine: Engine, ctx: TenantContext, workflow: Workflow): Promise<{ version: number; isNew: boolean }> {
  const latestId = await engine.store.getLatestVersionId(asTenantId(ctx.tenantId), asWorkflowId(workflow.id));
  const latest = latestId === undefined ? undefined : await engine.workflows.getVersion(ctx, latestId);
  if (latest !== undefined && isDeepStrictEqual(asStored(latest.definition), asStored(workflow))) return { version: latest.version, isNew: false };
  await engine.workflows.save(ctx, workflow);
  const version = await engine.workflows.publish(ctx, workflow.id);
  return { version: version.version, isNew: true };
}
