import { z } from 'zod';
import { cronPatternProblem } from './cron-pattern';
import { isKnownTimeZone } from './zone-clock';

/** The config of a schedule trigger: when it fires, and what happens to fires missed while no worker ran. */
export const scheduleConfigSchema = z.object({
  /** 5 fields (minute precision) or 6 (seconds first); cron-parser's aliases such as `@hourly` too. */
  cron: z
    .string()
    .min(1)
    .max(200)
    .superRefine((cron, ctx) => {
      const problem = cronPatternProblem(cron);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** IANA zone the pattern's wall-clock times are in. */
  timezone: z
    .string()
    .default('UTC')
    .refine(isKnownTimeZone, { message: 'Not a time zone this runtime knows (use an IANA name such as Europe/Berlin)' }),
  /** What happens to fires missed while no worker ran. */
  missed: z
    .discriminatedUnion('policy', [
      z.object({ policy: z.literal('skip') }),
      z.object({ policy: z.literal('runOnce') }),
      z.object({ policy: z.literal('catchUp'), max: z.number().int().min(1).max(1000).default(10) }),
    ])
    .default({ policy: 'skip' }),
  /** A fire handled within this long of its time is on time, not missed. */
  graceMs: z.number().int().min(0).max(86_400_000).default(60_000),
});

export type ScheduleConfig = z.infer<typeof scheduleConfigSchema>;
