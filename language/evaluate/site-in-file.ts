/**
 * Where in one file an IR object belongs: the call that made it when that call is in the
 * file; else the call in the file through which it was reached — the call of a helper
 * defined elsewhere, which is also the innermost stack frame in the file when the model
 * runs (`convlens summary --execute` reports the same place). Shared by the editor
 * service and the CLI so both put a node, and its findings, in the same place.
 */
import type * as ts from 'typescript';
import { childrenOf, type AnyNode } from '../ir/index';
import type { EvaluationRecord } from './interpreter';

export type SiteFinder = (node: object) => ts.Node | undefined;

export function createSiteFinder(sourceFile: ts.SourceFile, checker: ts.TypeChecker, record: EvaluationRecord): SiteFinder {
  const { createdBy, helperCalls } = record;
  const isHere = (node: ts.Node): boolean => node.getSourceFile() === sourceFile;

  // A node inside several helper results belongs to the innermost call, the one whose
  // result holds it least deep (`wrap(block(4))`: block's layers at `block`, wrap's own at `wrap`).
  let viaCall: Map<object, { readonly call: ts.CallExpression; readonly depth: number }> | undefined;
  const buildViaCall = (): Map<object, { readonly call: ts.CallExpression; readonly depth: number }> => {
    const found = new Map<object, { readonly call: ts.CallExpression; readonly depth: number }>();
    for (const [call, results] of helperCalls) {
      if (!isHere(call) || isDeclaredHere(call, checker, sourceFile)) continue;
      const visit = (node: AnyNode, depth: number): void => {
        const site = createdBy.get(node);
        if (site !== undefined && !isHere(site)) {
          const current = found.get(node);
          if (current === undefined || depth < current.depth) found.set(node, { call, depth });
        }
        for (const child of childrenOf(node)) visit(child, depth + 1);
      };
      for (const result of results) visit(result as AnyNode, 0);
    }
    return found;
  };

  return (node) => {
    const site = createdBy.get(node);
    if (site === undefined) return undefined;
    if (isHere(site)) return site;
    viaCall ??= buildViaCall();
    return viaCall.get(node)?.call;
  };
}

/** Whether the function a call invokes is declared in `sourceFile` (unknown: treated as elsewhere). */
function isDeclaredHere(call: ts.CallExpression, checker: ts.TypeChecker, sourceFile: ts.SourceFile): boolean {
  const declaration = checker.getResolvedSignature(call)?.getDeclaration() as ts.Node | undefined;
  return declaration !== undefined && declaration.getSourceFile() === sourceFile;
}
