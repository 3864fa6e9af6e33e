import type { JmespathAst } from './jmespath';

/** A read of the expression scope: `steps.lookup...` is `{ root: 'steps', key: 'lookup' }`. */
export interface ScopeReference {
  root: string;
  key?: string;
}

/**
 * The field a right-hand side starts with: `a` in `steps.a[0]` and `steps.a[*].x`, which
 * the parser nests as `steps . (a[0])` and `steps . (a[*].x)`.
 */
function leadingField(node: JmespathAst): string | undefined {
  if (node.type === 'Field') return node.name;
  if (node.type === 'IndexExpression' || node.type === 'Projection') return leadingField(node.left);
  return undefined;
}

/** The first field names of a chain such as `steps.a.output[0]`, read from its left end. */
function chainHead(node: JmespathAst): string[] | undefined {
  switch (node.type) {
    case 'Field':
      return [node.name];
    // `$` is the scope, and so is `@` where the expression is evaluated against the scope.
    case 'Root':
    case 'Current':
      return [];
    case 'Subexpression':
    case 'IndexExpression': {
      const left = chainHead(node.left);
      if (left === undefined) return undefined;
      if (left.length >= 2 || node.type !== 'Subexpression') return left;
      const next = leadingField(node.right);
      return next === undefined ? left : [...left, next];
    }
    default:
      return undefined;
  }
}

/**
 * Lists what an expression reads from the top of the scope. Only sub-expressions
 * evaluated against the scope itself count: in `items[*].steps` the `steps` is a field
 * of each item, not the scope's `steps`; `$.steps.x` reads the scope from anywhere.
 */
export function collectScopeReferences(ast: JmespathAst): ScopeReference[] {
  const found: ScopeReference[] = [];
  const push = (head: string[]): void => {
    const [root, key] = head;
    if (root === undefined) return;
    found.push(key === undefined ? { root } : { root, key });
  };

  const visit = (node: JmespathAst, atScope: boolean): void => {
    if (node.type === 'Root' || node.type === 'Field' || node.type === 'Subexpression' || node.type === 'IndexExpression') {
      const head = chainHead(node);
      if (head !== undefined && (atScope || isRootChain(node))) {
        push(head);
      }
    }
    switch (node.type) {
      case 'Subexpression':
      case 'IndexExpression':
      case 'Pipe':
      case 'Projection':
      case 'ValueProjection':
        // The right side is evaluated against the result of the left side.
        if (!(node.type === 'Subexpression' || node.type === 'IndexExpression') || chainHead(node) === undefined) {
          visit(node.left, atScope);
        }
        visit(node.right, false);
        return;
      case 'FilterProjection':
        visit(node.left, atScope);
        visit(node.condition, false);
        visit(node.right, false);
        return;
      case 'AndExpression':
      case 'OrExpression':
      case 'Comparator':
      case 'Arithmetic':
        visit(node.left, atScope);
        visit(node.right, atScope);
        return;
      case 'NotExpression':
      case 'Flatten':
        visit(node.child, atScope);
        return;
      case 'ExpressionReference':
        visit(node.child, false);
        return;
      case 'Unary':
        visit(node.operand, atScope);
        return;
      case 'MultiSelectList':
      case 'Function':
        for (const child of node.children) visit(child, atScope);
        return;
      case 'MultiSelectHash':
        for (const pair of node.children) visit(pair.value, atScope);
        return;
      case 'Ternary':
        visit(node.condition, atScope);
        visit(node.trueExpr, atScope);
        visit(node.falseExpr, atScope);
        return;
      case 'LetExpression':
        for (const binding of node.bindings) visit(binding.reference, atScope);
        visit(node.expression, atScope);
        return;
      default:
        return;
    }
  };

  visit(ast, true);
  return found;
}

function isRootChain(node: JmespathAst): boolean {
  let current: JmespathAst = node;
  while (current.type === 'Subexpression' || current.type === 'IndexExpression') current = current.left;
  return current.type === 'Root';
}
