import type { z } from 'zod';
import type { dataFilterConfigSchema } from './builtin/data-filter';
import type { dataSetConfigSchema } from './builtin/data-set';
import type { dataTransformConfigSchema } from './builtin/data-transform';
import type { utilLogConfigSchema } from './builtin/util-log';

// Config types of the built-in nodes, so that `defineWorkflow` checks them.
declare module '@pipewright/core' {
  interface NodeTypes {
    'data.transform': z.input<typeof dataTransformConfigSchema>;
    'data.set': z.input<typeof dataSetConfigSchema>;
    'data.filter': z.input<typeof dataFilterConfigSchema>;
    'util.log': z.input<typeof utilLogConfigSchema>;
  }
}
