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
    const manifest = context.engine.registry.manifest();
    // Copies as plain object types, which the wire schema's open records accept.
    return { manifestVersion: manifest.manifestVersion, nodes: manifest.nodes.map((node) => ({ ...node })), connectors: manifest.connectors.map((connector) => ({ ...connector })) };
  },
} satisfies Partial<OperationHandlers>;
