import { authSpecSchema } from '../registry/auth-spec';
import type { ConnectorDefinition } from '../registry/connector-definition';
import type { OAuth2Spec } from './oauth2-client';

export type ParsedAuthSpec = ReturnType<typeof authSpecSchema.parse>;

const parsed = new WeakMap<ConnectorDefinition, ParsedAuthSpec>();

/** A connector's auth spec with its defaults applied (the registry validated it already). */
export function authSpecOf(connector: ConnectorDefinition): ParsedAuthSpec {
  let spec = parsed.get(connector);
  if (spec === undefined) {
    spec = authSpecSchema.parse(connector.auth);
    parsed.set(connector, spec);
  }
  return spec;
}

export function oauth2SpecOf(connector: ConnectorDefinition): OAuth2Spec | undefined {
  const spec = authSpecOf(connector);
  return spec.type === 'oauth2' ? spec : undefined;
}
