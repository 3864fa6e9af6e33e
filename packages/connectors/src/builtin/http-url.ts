import { z } from 'zod';

/**
 * An absolute http or https URL. The protocol check must not throw on a string that is
 * not a URL at all: zod runs refinements after a failed `.url()` check too.
 */
export const httpUrlSchema = z
  .string()
  .url()
  .refine((url) => !URL.canParse(url) || /^https?:$/.test(new URL(url).protocol), { message: 'Only http and https URLs are allowed' });
