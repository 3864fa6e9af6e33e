// Type-only module: it adds the built-in node types to core's `NodeTypes`.
import './node-types';

export { builtinConnectors } from './builtin/builtin-connectors';
export { dataConnector } from './builtin/data-connector';
export { utilConnector } from './builtin/util-connector';
export { dataTransformNode, dataTransformConfigSchema } from './builtin/data-transform';
export { dataSetNode, dataSetConfigSchema, dataSetOperationSchema, type DataSetOperation } from './builtin/data-set';
export { dataFilterNode, dataFilterConfigSchema } from './builtin/data-filter';
export { utilLogNode, utilLogConfigSchema } from './builtin/util-log';
