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
  // result holds it least deep (`wrap(block(4))`: block's layers at `block`, wrap's own at
  // `wrap`); between calls at the same depth, the first call. One breadth-first walk from
  // every result at once finds that, each object once, without recursion: results of a
  // helper called in a loop nest inside one another, and a layer object may sit in 2^n
  // places of a tree (`s = wrap(s, s)`), so a walk per result would be quadratic or worse.
  let viaCall: Map<object, ts.CallExpression> | undefined;
  const buildViaCall = (): Map<object, ts.CallExpression> => {
    const found = new Map<object, ts.CallExpression>();
    let level: object[] = [];
    for (const [call, results] of helperCalls) {
      if (!isHere(call) || isDeclaredHere(call, checker, sourceFile)) continue;
      for (const result of results) {
        if (found.has(result)) continue;
        found.set(result, call);
        level.push(result);
      }
    }
    // Level by level, in the order of the calls that reached the previous level, so the
    // first call among those at the least depth claims each object.
    while (level.length > 0) {
      const next: object[] = [];
      for (const node of level) {
        const call = found.get(node)!;
        for (const child of childrenOf(node as AnyNode)) {
          if (found.has(child)) continue;
          found.set(child, call);
          next.push(child);
        }
      }
      level = next;
    }
    // Only objects made in another file are placed through a call.
    for (const node of [...found.keys()]) {
      const site = createdBy.get(node);
      if (site === undefined || isHere(site)) found.delete(node);
    }
    return found;
  };

  return (node) => {
    const site = createdBy.get(node);
    if (site === undefined) return undefined;
    if (isHere(site)) return site;
    viaCall ??= buildViaCall();
    return viaCall.get(node);
  };
}

/** Whether the function a call invokes is declared in `sourceFile` (unknown: treated as elsewhere). */
function isDeclaredHere(call: ts.CallExpression, checker: ts.TypeChecker, sourceFile: ts.SourceFile): boolean {
  const declaration = checker.getResolvedSignature(call)?.getDeclaration() as ts.Node | undefined;
  return declaration !== undefined && declaration.getSourceFile() === sourceFile;
}
