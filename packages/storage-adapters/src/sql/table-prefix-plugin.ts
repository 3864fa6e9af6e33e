import {
  IdentifierNode,
  OperationNodeTransformer,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type TableNode,
  type UnknownRow,
} from 'kysely';

class TablePrefixTransformer extends OperationNodeTransformer {
  readonly #rename: ReadonlyMap<string, string>;

  constructor(rename: ReadonlyMap<string, string>) {
    super();
    this.#rename = rename;
  }

  protected override transformTable(node: TableNode): TableNode {
    const name = node.table.identifier.name;
    const renamed = this.#rename.get(name);
    if (renamed === undefined) return super.transformTable(node);
    return { ...node, table: { ...node.table, identifier: IdentifierNode.create(renamed) } };
  }
}

/**
 * Queries are written against the unprefixed table names (`runs`, `jobs`), so they stay
 * typed; this plugin rewrites every table reference to its prefixed name (`pw_runs`) on
 * the way to the database. Column references qualified with a table go through the same
 * node, so `runs.id` becomes `pw_runs.id` too.
 */
export class TablePrefixPlugin implements KyselyPlugin {
  readonly #transformer: TablePrefixTransformer;

  constructor(rename: ReadonlyMap<string, string>) {
    this.#transformer = new TablePrefixTransformer(rename);
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node);
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}
