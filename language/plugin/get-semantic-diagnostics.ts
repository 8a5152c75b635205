import type * as ts from 'typescript';
import { collectDiagnostics } from 'convlens/service';
import { withinBudget } from './budget';
import { programFor, type PluginContext } from './plugin-context';

export function getSemanticDiagnostics(
  context: PluginContext,
  original: ts.LanguageService['getSemanticDiagnostics'],
): ts.LanguageService['getSemanticDiagnostics'] {
  return (fileName) => {
    const diagnostics = original(fileName);
    const target = programFor(context, fileName);
    if (target === undefined) return diagnostics;
    return withinBudget(context, 'getSemanticDiagnostics', target, diagnostics, (budgeted) => [
      ...diagnostics,
      ...collectDiagnostics(context.ts, budgeted.program, budgeted.sourceFile, budgeted.limits),
    ]);
  };
}
