/** A connection point on a node: an input it receives on, or an output it emits on. */
export interface HandleSpec {
  id: string;
  label?: string;
  description?: string;
}

/** The input most nodes have. */
export const mainInput: HandleSpec = { id: 'in', label: 'Input' };
/** The output most nodes have. */
export const mainOutput: HandleSpec = { id: 'out', label: 'Output' };
/** The output a node gains when its `onError` is `route`. */
export const errorOutput: HandleSpec = { id: 'error', label: 'Error' };
