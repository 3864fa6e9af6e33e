import type { NodeManifestEntry, RegistryManifest } from '@pipewright/core';

/** What a node does in a workflow: starts it, acts, or steers the flow. */
export type PaletteNodeKind = NodeManifestEntry['kind'];

export interface PaletteOptions {
  /**
   * Whitespace-separated terms. A node is listed when every term occurs, ignoring case, in
   * its title, type, description or category (terms may match different fields). Blank or
   * omitted: no filtering.
   */
  search?: string | undefined;
  /** List only nodes of these kinds. Omitted: every kind; an empty list lists nothing. */
  kinds?: readonly PaletteNodeKind[] | undefined;
}

/** One section of the palette: a category and its node types. */
export interface PaletteGroup {
  category: string;
  /** The manifest's own entries (not copies), sorted by title. */
  nodes: NodeManifestEntry[];
}

/** The category shown first, because a workflow is started by one of its nodes. */
export const triggersCategory = 'Triggers';

/**
 * A fixed locale, so the palette has the same order on the server, in every browser and in
 * tests; `numeric` puts "Step 2" before "Step 10", and base sensitivity ignores case and
 * accents so "chat" files next to "Chat".
 */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Collation first, then code units, so names equal to the collator still get one order. */
function compareNames(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

function compareCategories(a: string, b: string): number {
  if (a === b) return 0;
  if (a === triggersCategory) return -1;
  if (b === triggersCategory) return 1;
  return compareNames(a, b);
}

/** Type ids are unique in a registry, so they break ties between equal titles. */
function compareNodes(a: NodeManifestEntry, b: NodeManifestEntry): number {
  return compareNames(a.title, b.title) || compareNames(a.type, b.type);
}

function searchTerms(search: string | undefined): string[] {
  if (search === undefined) return [];
  return search
    .toLowerCase()
    .split(/\s+/)
    .filter((term) => term !== '');
}

function matchesAllTerms(node: NodeManifestEntry, terms: readonly string[]): boolean {
  if (terms.length === 0) return true;
  // Joined with a newline: terms hold no whitespace, so a term cannot match across two fields.
  const haystack = [node.title, node.type, node.description, node.category].join('\n').toLowerCase();
  return terms.every((term) => haystack.includes(term));
}

/**
 * Groups a registry manifest's node types into the sections of the builder's palette.
 *
 * Categories come in alphabetical order, except that `Triggers` always comes first; nodes
 * within a category are sorted by title. Categories left empty by the filters are not
 * returned. The manifest is not modified.
 *
 * @example
 * ```ts
 * const groups = paletteGroups(manifest, { search: 'slack post', kinds: ['action'] });
 * // [{ category: 'Chat', nodes: [{ type: 'slack.postMessage', title: 'Post message', ... }] }]
 * for (const group of groups) console.log(group.category, group.nodes.map((node) => node.title));
 * ```
 */
export function paletteGroups(manifest: RegistryManifest, options: PaletteOptions = {}): PaletteGroup[] {
  const terms = searchTerms(options.search);
  const kinds = options.kinds === undefined ? undefined : new Set(options.kinds);

  const byCategory = new Map<string, NodeManifestEntry[]>();
  for (const node of manifest.nodes) {
    if (kinds !== undefined && !kinds.has(node.kind)) continue;
    if (!matchesAllTerms(node, terms)) continue;
    const nodes = byCategory.get(node.category);
    if (nodes === undefined) byCategory.set(node.category, [node]);
    else nodes.push(node);
  }

  // The arrays sorted here were built above; the manifest's own array is never reordered.
  return [...byCategory]
    .sort(([a], [b]) => compareCategories(a, b))
    .map(([category, nodes]) => ({ category, nodes: nodes.sort(compareNodes) }));
}
