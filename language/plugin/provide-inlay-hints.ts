import type * as ts from 'typescript';
import { provideShapeHints } from 'convlens/service';
import { withinBudget } from './budget';
import { programFor, type PluginContext } from './plugin-context';

export function provideInlayHints(
  context: PluginContext,
  original: ts.LanguageService['provideInlayHints'],
): ts.LanguageService['provideInlayHints'] {
  return (fileName, span, preferences) => {
    const hints = original(fileName, span, preferences);
    // The VS Code extension shows the hints itself (language/service/answer-inlay-hints.ts): never twice.
    if (context.settings().languageServiceHints === false) return hints;
    const target = programFor(context, fileName);
    if (target === undefined) return hints;
    return withinBudget(context, 'provideInlayHints', target, hints, (budgeted) => [
      ...hints,
      ...provideShapeHints(context.ts, budgeted.program, budgeted.sourceFile, span, context.settings(), budgeted.limits),
    ]);
  };
}
