import { z } from 'zod';
import { PipewrightError } from '../errors/pipewright-error';
import { fromZodIssues } from '../model/validation-issue';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Payload limits (`createEngine({ payloads })`). Sizes are bytes of the payload as JSON
 * in UTF-8.
 *
 * - `offloadAboveBytes` (256 KiB): a step output or run input larger than this goes to
 *   the blob store, and the event log keeps a `BlobRef`. Without a blob store it stays
 *   inline.
 * - `maxStepOutputBytes` (16 MiB): a larger step output fails the step with
 *   `payload_too_large`, never retried; a larger run input is refused by `runs.start`.
 * - `maxRunPayloadBytes` (64 MiB): the run input and the outputs of its action steps
 *   together; the step whose output would pass it fails with `payload_too_large`.
 */
export const payloadOptionsSchema = z.strictObject({
  offloadAboveBytes: z.number().int().min(0).default(256 * KiB),
  maxStepOutputBytes: z.number().int().min(1).default(16 * MiB),
  maxRunPayloadBytes: z.number().int().min(1).default(64 * MiB),
});

export type PayloadOptions = z.input<typeof payloadOptionsSchema>;
export type PayloadLimits = z.output<typeof payloadOptionsSchema>;

/** The limits with their defaults filled in; `invalid_input` with every issue when the options are wrong. */
export function parsePayloadOptions(options: PayloadOptions = {}): PayloadLimits {
  const parsed = payloadOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new PipewrightError('invalid_input', 'Invalid payloads options', { details: { issues: fromZodIssues(parsed.error.issues) } });
  }
  return parsed.data;
}
