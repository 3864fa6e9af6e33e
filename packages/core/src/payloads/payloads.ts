import { PipewrightError } from '../errors/pipewright-error';
import type { TenantId } from '../ids';
import { sha256Hex, type BlobStore } from '../ports/blob-store';
import type { RunEvent } from '../runtime/run-events';
import { blobRefOf, isBlobRef, type BlobRef } from './blob-ref';
import { replacePayloads, visitPayloads } from './event-payloads';
import { jsonSizeBound } from './json-size';
import { payloadTooLarge } from './payload-errors';
import type { PayloadLimits } from './payload-options';

/** What measuring a payload found. */
export interface PayloadSize {
  /**
   * Bytes as JSON (UTF-8): exact when `data` is set, else an upper bound, at most the
   * exact-measure threshold. Infinite for a value too large to serialize.
   */
  bytes: number;
  /** The payload as JSON, for one whose bound passed the threshold (then `bytes` is exact). */
  json?: string;
  /** JSON.stringify threw: a cycle, a BigInt, a throwing `toJSON`. */
  error?: unknown;
}

/** A run log with its blob references replaced by their values. */
export interface ResolvedEvents {
  events: RunEvent[];
  /** The size of each offloaded `step.succeeded` output, by node id. */
  offloaded: Map<string, number>;
}

/**
 * A blob a value is known to be, in the tenant whose store holds it: the same object
 * may reach runs of several tenants (a host starting runs with one event object), and
 * a reference written to a tenant's log must point to that tenant's blob.
 */
interface KnownBlob {
  tenantId: TenantId;
  ref: BlobRef;
}

interface PayloadLogger {
  warn(message: string, data?: Record<string, unknown>): void;
}

/** Small step outputs remembered for the append that records them (see `Payloads.recentSmall`). */
const recentSmallSize = 32;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const nonAscii = /[\u0080-\uffff]/;

/** The UTF-8 size of a string; without encoding it when it is ASCII, as JSON mostly is. */
function utf8Length(text: string): number {
  return nonAscii.test(text) ? encoder.encode(text).byteLength : text.length;
}

/**
 * An engine's payload handling: measures payloads, keeps those over the threshold in
 * the blob store, and reads them back.
 *
 * It also remembers which in-memory value a blob holds (by identity): a worker that
 * read a 5 MB output, or just stored one, and then writes that same value again (a
 * `core.delay` passing its input on, the run's output) writes the reference without
 * serializing and hashing it once more. A step's own output is always measured afresh
 * (`keepInline`): a node may have changed an object it was given and returned it.
 */
export class Payloads {
  private readonly known = new WeakMap<object, KnownBlob>();
  private anyKnown = false;
  /** Step outputs serialized to learn they stay inline: the run store need not serialize them again. */
  private readonly measuredInline = new WeakSet<object>();
  private anyMeasuredInline = false;
  /**
   * The last small step outputs, by identity, while payloads can be offloaded: the
   * append that records them follows within the same pass of the run, and need not walk
   * them again. A short list compared by reference costs less than a walk, or than a
   * weak set entry per step; an output that dropped out of it is only walked again.
   */
  private readonly recentSmall: unknown[] = new Array<unknown>(recentSmallSize).fill(undefined);
  private recentSmallNext = 0;
  private warned = false;
  /** State of `needsOffload`'s scan, kept on the instance so the scan allocates nothing. */
  private scanTenant: TenantId | undefined;
  private scanFound = false;
  private readonly scanVisit = (value: unknown): void => {
    if (!this.scanFound && !this.staysAsIs(this.scanTenant as TenantId, value)) this.scanFound = true;
  };
  /** Above this, payloads are serialized to learn their exact size. */
  readonly exactAbove: number;

  constructor(
    readonly limits: PayloadLimits,
    readonly blobs: BlobStore | undefined,
    private readonly logger?: PayloadLogger,
  ) {
    this.exactAbove = Math.min(limits.offloadAboveBytes, limits.maxStepOutputBytes);
  }

  /** Whether payloads over the threshold go to a blob store. */
  get offloads(): boolean {
    return this.blobs !== undefined;
  }

  /** An upper bound of the payload's size when it is small, without serializing it; -1 when it may not be. */
  smallBound(value: unknown): number {
    const bound = jsonSizeBound(value, this.exactAbove);
    return bound <= this.exactAbove ? bound : -1;
  }

  /** The size of a payload: a cheap bound for small ones, serialized past the threshold. */
  measure(value: unknown): PayloadSize {
    const bound = jsonSizeBound(value, this.exactAbove);
    if (bound <= this.exactAbove) return { bytes: bound };
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (error) {
      // V8 cannot build a string that long: over any limit a host can set.
      if (error instanceof RangeError && /string length/i.test(error.message)) return { bytes: Infinity, error };
      return { bytes: bound, error };
    }
    if (json === undefined) return { bytes: 0 };
    return { bytes: utf8Length(json), json };
  }

  /** Whether a measured payload goes to the blob store. */
  shouldOffload(size: PayloadSize): size is PayloadSize & { json: string } {
    if (size.json === undefined || size.bytes <= this.limits.offloadAboveBytes) return false;
    if (this.blobs === undefined) {
      if (!this.warned) {
        this.warned = true;
        this.logger?.warn('A payload over payloads.offloadAboveBytes stays in the event log: the engine has no blob store (createEngine({ blobs }))', {
          bytes: size.bytes,
          offloadAboveBytes: this.limits.offloadAboveBytes,
        });
      }
      return false;
    }
    return true;
  }

  /** Stores a measured payload and remembers that `value` is that blob. */
  async put(tenantId: TenantId, value: unknown, json: string): Promise<BlobRef> {
    if (this.blobs === undefined) throw new PipewrightError('internal', 'The engine has no blob store');
    const ref = blobRefOf(await this.blobs.put(tenantId, encoder.encode(json)));
    this.remember(tenantId, value, ref);
    return ref;
  }

  /** The tenant's blob `value` was read from or stored as, if this engine knows it. */
  refOf(tenantId: TenantId, value: unknown): BlobRef | undefined {
    if (!this.anyKnown) return undefined;
    const known = typeof value === 'object' && value !== null ? this.known.get(value) : undefined;
    return known?.tenantId === tenantId ? known.ref : undefined;
  }

  /**
   * Marks a step's new output as staying inline, whatever blob it was read from before
   * (a node may return an object it was given, changed). `measured`: it was serialized
   * to learn that, which the run store then need not repeat. A small one is not
   * remembered: walking it again costs less than a weak set entry per step.
   */
  keepInline(value: unknown, measured: boolean): void {
    if (typeof value !== 'object' || value === null) return;
    if (this.anyKnown) this.known.delete(value);
    if (measured) {
      this.measuredInline.add(value);
      this.anyMeasuredInline = true;
    } else if (this.blobs !== undefined) {
      this.recentSmall[this.recentSmallNext] = value;
      this.recentSmallNext = (this.recentSmallNext + 1) % recentSmallSize;
    }
  }

  /** Whether `value` is one of the last small outputs `keepInline` saw. */
  private wasRecentlySmall(value: object): boolean {
    const recent = this.recentSmall;
    for (let index = 0; index < recentSmallSize; index++) if (recent[index] === value) return true;
    return false;
  }

  private remember(tenantId: TenantId, value: unknown, ref: BlobRef): void {
    // Objects only: a WeakMap cannot hold a string, and a Map would keep large strings
    // alive. A large string written twice is serialized and hashed twice; the blob store
    // still keeps it once.
    if (typeof value !== 'object' || value === null) return;
    this.known.set(value, { tenantId, ref });
    this.anyKnown = true;
  }

  /** The value behind a blob reference; any other value as it is. */
  async resolve(tenantId: TenantId, value: unknown): Promise<unknown> {
    return isBlobRef(value) ? this.read(tenantId, value) : value;
  }

  private async read(tenantId: TenantId, ref: BlobRef): Promise<unknown> {
    const { id, bytes, sha256 } = ref.$blob;
    if (this.blobs === undefined) throw new PipewrightError('not_found', `Blob ${id} cannot be read: the engine has no blob store`, { details: { id } });
    const data = await this.blobs.get(tenantId, id);
    if (data === undefined) throw new PipewrightError('not_found', `Blob ${id} is missing from the blob store`, { details: { id } });
    // The log is the truth: a blob that does not match what it recorded must not feed a run.
    if (data.byteLength !== bytes || (await sha256Hex(data)) !== sha256) {
      throw new PipewrightError('internal', `Blob ${id} does not match the size and SHA-256 the run recorded`, { details: { id } });
    }
    const value: unknown = JSON.parse(decoder.decode(data));
    this.remember(tenantId, value, ref);
    return value;
  }

  /** The events with every blob reference replaced by its value; the same array when there is none. */
  async resolveEvents(tenantId: TenantId, events: RunEvent[]): Promise<ResolvedEvents> {
    const offloaded = new Map<string, number>();
    let reads: Map<string, Promise<unknown>> | undefined;
    // One closure for the whole log: this runs on every load of every run.
    const visit = (value: unknown): void => {
      if (!isBlobRef(value)) return;
      reads ??= new Map();
      // Each blob once: the run input is in two events, for one.
      if (!reads.has(value.$blob.id)) reads.set(value.$blob.id, this.read(tenantId, value));
    };
    for (const event of events) {
      visitPayloads(event, visit);
      if (event.type === 'step.succeeded' && isBlobRef(event.output)) offloaded.set(event.nodeId, event.output.$blob.bytes);
    }
    if (reads === undefined) return { events, offloaded };
    const values = new Map<string, unknown>();
    await Promise.all([...reads].map(async ([id, read]) => values.set(id, await read)));
    return { events: events.map((event) => replacePayloads(event, (value) => (isBlobRef(value) ? values.get(value.$blob.id) : value))), offloaded };
  }

  /**
   * Whether any payload of the events may need `offloadEvents`: one that is not small,
   * or is a value the tenant's blob store holds. Cheap and synchronous: appends of small
   * events (nearly all) go straight to the store with no promise in between.
   */
  needsOffload(tenantId: TenantId, events: readonly RunEvent[]): boolean {
    this.scanTenant = tenantId;
    this.scanFound = false;
    for (const event of events) {
      visitPayloads(event, this.scanVisit);
      if (this.scanFound) break;
    }
    this.scanTenant = undefined;
    return this.scanFound;
  }

  /** Whether a payload is written as it is: small, or a reference already. */
  private staysAsIs(tenantId: TenantId, value: unknown): boolean {
    if (typeof value !== 'object') return typeof value !== 'string' || this.smallBound(value) >= 0;
    if (value === null || isBlobRef(value)) return true;
    if (this.anyKnown && this.refOf(tenantId, value) !== undefined) return false;
    if (this.anyMeasuredInline && this.measuredInline.has(value)) return true;
    if (this.blobs !== undefined && this.wasRecentlySmall(value)) return true;
    return this.smallBound(value) >= 0;
  }

  /**
   * The events with each payload over the threshold stored as a blob and replaced by
   * its reference. With `checkInput`, a run input over `maxStepOutputBytes` is refused
   * with `payload_too_large`.
   */
  async offloadEvents(tenantId: TenantId, events: readonly RunEvent[], checkInput = false): Promise<readonly RunEvent[]> {
    let refs: Map<unknown, BlobRef | undefined> | undefined;
    const puts: Array<Promise<unknown>> = [];
    let current: RunEvent | undefined;
    // One closure per call, not one per event.
    const visit = (value: unknown): void => {
      // Small scalars first: most payloads are.
      if (typeof value !== 'object' && typeof value !== 'string') return;
      if (value === null || refs?.has(value) || isBlobRef(value)) return;
      if (this.anyMeasuredInline && typeof value === 'object' && this.measuredInline.has(value)) return;
      const known = this.refOf(tenantId, value);
      if (known !== undefined) {
        (refs ??= new Map()).set(value, known);
        return;
      }
      const size = this.measure(value);
      if (checkInput && current?.type === 'run.created' && size.bytes > this.limits.maxStepOutputBytes) {
        throw payloadTooLarge('input', current.triggerNodeId, size.bytes, this.limits.maxStepOutputBytes);
      }
      if (!this.shouldOffload(size)) return;
      const found = (refs ??= new Map());
      found.set(value, undefined);
      puts.push(this.put(tenantId, value, size.json).then((ref) => found.set(value, ref)));
    };
    for (const event of events) {
      current = event;
      visitPayloads(event, visit);
    }
    const replacements = refs;
    if (replacements === undefined) return events;
    await Promise.all(puts);
    return events.map((event) => replacePayloads(event, (value) => replacements.get(value) ?? value));
  }
}
