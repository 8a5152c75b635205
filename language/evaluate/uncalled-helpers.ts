/**
 * Shapes before a helper is used: people write a block first and call it later, and a
 * fully convolutional model takes its input size as a parameter. Each function of a file
 * that the evaluation of the program never called, and that returns layers or a model, is
 * evaluated with symbols for its number parameters (Interpreter.evaluateUncalled); layers
 * are analysed as a model on a symbolic input `C@H×W` (or `N` where the first layer that
 * cares about rank is dense), so every call inside it gets a symbolic shape.
 */
import type * as ts from 'typescript';
import * as dsl from '../dsl/index';
import { Expr, isRootNode, type InputNode, type LayerNode, type RootNode } from '../ir/index';
import { isLayerNode } from './dsl-bridge';
import type { Environment } from './environment';
import type { Interpreter } from './interpreter';
import { Closure, type Value } from './values';

export interface SymbolicRoot {
  /** The function nothing called. */
  readonly declaration: ts.FunctionLikeDeclaration;
  /** Its name where it is declared (`block` of `function block(…)`, of `const block = (…) =>`). */
  readonly nameNode: ts.Node | undefined;
  /** What it returned: its own model or GAN, or its layers in a model on a symbolic input. */
  readonly root: RootNode;
}

/** Functions evaluated this way per file, at most: a file of generated helpers stays cheap. */
const MAX_UNCALLED_HELPERS = 200;

export function evaluateUncalledHelpers(
  tsModule: typeof import('typescript'),
  interpreter: Interpreter,
  scope: Environment,
  sourceFile: ts.SourceFile,
): SymbolicRoot[] {
  const called = interpreter.record.calledFunctions;
  const candidates = new Map<ts.FunctionLikeDeclaration, Closure>();
  for (const [, value] of scope.entries()) {
    if (!(value instanceof Closure)) continue;
    const { declaration } = value;
    if (declaration.getSourceFile() !== sourceFile || called.has(declaration) || candidates.has(declaration)) continue;
    candidates.set(declaration, value);
  }
  const ordered = [...candidates.values()].sort((a, b) => a.declaration.pos - b.declaration.pos).slice(0, MAX_UNCALLED_HELPERS);
  const roots: SymbolicRoot[] = [];
  for (const closure of ordered) {
    // A helper called by another uncalled helper evaluated before it has been called now,
    // with that helper's symbols; it is still evaluated on its own, with its own.
    const value = interpreter.evaluateUncalled(closure);
    const nameNode = declaredName(tsModule, closure.declaration);
    const name = nameNode?.getText(sourceFile) ?? 'helper';
    const root = asRoot(value, name, closure.declaration);
    if (root !== undefined) roots.push({ declaration: closure.declaration, nameNode, root });
  }
  return roots;
}

function declaredName(tsModule: typeof import('typescript'), declaration: ts.FunctionLikeDeclaration): ts.Node | undefined {
  if (declaration.name !== undefined) return declaration.name;
  const parent = declaration.parent;
  return tsModule.isVariableDeclaration(parent) ? parent.name : undefined;
}

/** The model the helper's result is analysed as, or undefined when it returned no layers. */
function asRoot(value: Value, name: string, declaration: ts.FunctionLikeDeclaration): RootNode | undefined {
  if (isRootNode(value)) return value;
  const layers = Array.isArray(value) ? (value as readonly Value[]) : [value];
  if (layers.length === 0 || !layers.every(isLayerNode)) return undefined;
  const taken = new Set(declaration.parameters.map((parameter) => parameter.name.getText()));
  const symbol = (preferred: string): Expr => {
    let chosen = preferred;
    while (taken.has(chosen)) chosen += '′';
    return Expr.symbol(chosen);
  };
  const first = layers as readonly LayerNode[];
  const input: InputNode = expectsVector(first)
    ? dsl.input(symbol('N') as unknown as number)
    : dsl.input(symbol('C') as unknown as number, symbol('H') as unknown as number, symbol('W') as unknown as number);
  return dsl.model(name, input, ...first);
}

/** Whether the first layer that cares about its input's rank takes a vector (dense) rather than an image. */
function expectsVector(layers: readonly LayerNode[]): boolean {
  // Pre-order with an explicit stack; the first leaf that decides wins.
  const pending: LayerNode[] = [...layers].reverse();
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    switch (node.kind) {
      case 'dense':
        return true;
      case 'sequential':
        for (let index = node.layers.length - 1; index >= 0; index -= 1) pending.push(node.layers[index]!);
        break;
      case 'residual':
        pending.push(node.main);
        break;
      case 'concat':
        if (node.branches[0] !== undefined) pending.push(node.branches[0]);
        break;
      case 'aux':
        break;
      case 'dropout':
      case 'batchNorm':
      case 'relu':
      case 'relu6':
      case 'leakyRelu':
      case 'tanh':
      case 'sigmoid':
      case 'softmax':
      case 'identity':
      case 'unknown':
        break;
      default:
        return false;
    }
  }
  return false;
}
