import type { RegistryManifest } from '@pipewright/core';
import type { Client } from '@pipewright/core/client';
import { paletteGroups, type PaletteGroup, type PaletteOptions } from './palette-groups';

/**
 * The palette of the engine the builder talks to: its registry manifest, fetched through
 * the typed API client (which checks it against the API's schema), grouped for display.
 */
export async function loadPalette(client: Pick<Client, 'getManifest'>, options: PaletteOptions = {}, signal?: AbortSignal): Promise<PaletteGroup[]> {
  const manifest = await client.getManifest(undefined, signal === undefined ? {} : { signal });
  // The server sends `registry.manifest()` unchanged; the wire schema checks the fields it names and lets the rest through.
  return paletteGroups(manifest as unknown as RegistryManifest, options);
}
