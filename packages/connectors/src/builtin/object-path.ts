import type { PathSegment } from './dot-path';
import { stepError } from './step-error';

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

/** Reads an own property only: `toString` on a plain object is not data. */
function child(container: Container, segment: PathSegment): { found: boolean; value: unknown } {
  if (Array.isArray(container)) {
    return typeof segment === 'number' && segment < container.length ? { found: true, value: container[segment] } : { found: false, value: undefined };
  }
  if (typeof segment === 'number' || !Object.hasOwn(container, segment)) return { found: false, value: undefined };
  return { found: true, value: container[segment] };
}

function assign(container: Container, segment: PathSegment, value: unknown, path: readonly PathSegment[]): void {
  if (Array.isArray(container) && typeof segment === 'number') {
    // Pad with null rather than leave holes: holes are not JSON and serialize as null anyway.
    while (container.length < segment) container.push(null);
    container[segment] = value;
  } else if (!Array.isArray(container) && typeof segment === 'string') {
    container[segment] = value;
  } else {
    // A key on an array is not JSON, and an index on an object is almost surely a mistake.
    const expected = typeof segment === 'number' ? 'an array' : 'an object';
    throw stepError(`Cannot set "${String(segment)}": the value before it is not ${expected}`, { path: [...path] });
  }
}

/**
 * Containers this step created or copied, and so may change. Everything else is shared
 * with the input (another step's output) and is copied before it is changed: a change
 * copies only the containers on its path, not the whole document.
 */
export type OwnedContainers = Set<Container>;

/** `existing`, the child at `segment` of the owned `parent`, made safe to change. */
function own(parent: Container, segment: PathSegment, existing: Container, owned: OwnedContainers, path: readonly PathSegment[]): Container {
  if (owned.has(existing)) return existing;
  const copy: Container = Array.isArray(existing) ? existing.slice() : { ...existing };
  assign(parent, segment, copy, path);
  owned.add(copy);
  return copy;
}

/** The container that holds the last segment, or undefined when the path does not exist. */
function parentOf(root: Container, segments: readonly PathSegment[], owned?: OwnedContainers): Container | undefined {
  let current: Container = root;
  for (let position = 0; position < segments.length - 1; position++) {
    const segment = segments[position] as PathSegment;
    const { value } = child(current, segment);
    if (!isContainer(value)) return undefined;
    current = owned ? own(current, segment, value, owned, segments) : value;
  }
  return current;
}

/** The value at `segments`, and whether it exists. */
export function getAt(root: Container, segments: readonly PathSegment[]): { found: boolean; value: unknown } {
  const last = segments.at(-1);
  const parent = parentOf(root, segments);
  if (last === undefined || parent === undefined) return { found: false, value: undefined };
  return child(parent, last);
}

/**
 * Sets the value at `segments`, creating what is missing on the way: an array before an
 * index segment, an object before a key. A scalar or null in the way is replaced.
 *
 * @throws when an existing array meets a key segment or an existing object an index.
 */
export function setAt(root: Container, segments: readonly PathSegment[], value: unknown, owned: OwnedContainers): void {
  let current: Container = root;
  segments.forEach((segment, position) => {
    const next = segments[position + 1];
    if (next === undefined) {
      assign(current, segment, value, segments);
      return;
    }
    const existing = child(current, segment).value;
    if (isContainer(existing)) {
      current = own(current, segment, existing, owned, segments);
      return;
    }
    const created: Container = typeof next === 'number' ? [] : {};
    assign(current, segment, created, segments);
    owned.add(created);
    current = created;
  });
}

/** Removes the value at `segments`; an array element is spliced out. A missing path is a no-op. */
export function removeAt(root: Container, segments: readonly PathSegment[], owned: OwnedContainers): void {
  const last = segments.at(-1);
  const parent = parentOf(root, segments, owned);
  if (last === undefined || parent === undefined) return;
  if (Array.isArray(parent)) {
    if (typeof last === 'number' && last < parent.length) parent.splice(last, 1);
  } else if (typeof last === 'string' && Object.hasOwn(parent, last)) {
    // Safe: the schema has rejected prototype keys, and this deletes an own property only.
    delete parent[last];
  }
}
