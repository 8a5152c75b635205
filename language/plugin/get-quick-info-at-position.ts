import type * as ts from 'typescript';
import { getHover } from 'convlens/service';
import { withinBudget } from './budget';
import { programFor, type PluginContext } from './plugin-context';

export function getQuickInfoAtPosition(
  context: PluginContext,
  original: ts.LanguageService['getQuickInfoAtPosition'],
): ts.LanguageService['getQuickInfoAtPosition'] {
  return (fileName, position, ...rest) => {
    const info = original(fileName, position, ...rest);
    const target = programFor(context, fileName);
    if (target === undefined) return info;
    const hover = withinBudget(context, 'getQuickInfoAtPosition', target, undefined, (budgeted) =>
      getHover(context.ts, budgeted.program, budgeted.sourceFile, position, context.settings(), budgeted.limits),
    );
    if (hover === undefined) return info;
    const ours: ts.SymbolDisplayPart[] = [{ kind: 'text', text: hover.markdown }];
    if (info === undefined) {
      return { kind: context.ts.ScriptElementKind.unknown, kindModifiers: '', textSpan: hover.textSpan, displayParts: [], documentation: ours };
    }
    const documentation = info.documentation ?? [];
    const separator: ts.SymbolDisplayPart[] = documentation.length > 0 ? [{ kind: 'lineBreak', text: '\n\n' }] : [];
    return { ...info, documentation: [...documentation, ...separator, ...ours] };
  };
}
