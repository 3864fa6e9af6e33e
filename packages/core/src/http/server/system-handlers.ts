import { asTenantId } from '../../ids';
import type { OperationHandlers } from './handler-types';

// No tenant uses this id; the read only proves the store answers.
const healthTenant = asTenantId('__health');

export const systemHandlers = {
  async getHealth(_input, context) {
    await context.engine.store.listWorkflows(healthTenant, { limit: 1 });
    return { status: 'ok' as const };
  },
  async getManifest(_input, context) {
    return context.engine.registry.manifest() as unknown as Record<string, unknown>;
  },
} satisfies Partial<OperationHandlers>;
