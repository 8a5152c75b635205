import type * as ts from 'typescript';
import { FIXABLE_DIAGNOSTIC_CODES, getCodeFixes } from 'convlens/service';
import { withinBudget } from './budget';
import { programFor, type PluginContext } from './plugin-context';

export function getCodeFixesAtPosition(
  context: PluginContext,
  original: ts.LanguageService['getCodeFixesAtPosition'],
): ts.LanguageService['getCodeFixesAtPosition'] {
  return (fileName, start, end, errorCodes, formatOptions, preferences) => {
    const theirCodes = errorCodes.filter((code) => !FIXABLE_DIAGNOSTIC_CODES.includes(code));
    const fixes = theirCodes.length > 0 ? original(fileName, start, end, theirCodes, formatOptions, preferences) : [];
    const target = programFor(context, fileName);
    if (target === undefined) return fixes;
    return withinBudget(context, 'getCodeFixesAtPosition', target, fixes, (budgeted) => [
      ...fixes,
      ...getCodeFixes(context.ts, budgeted.program, budgeted.sourceFile, start, end, errorCodes, budgeted.limits),
    ]);
  };
}

/**
 * NOTE: VS Code's TypeScript extension asks for fixes only for the codes this lists
 * (typescript-language-features, quickFix.ts), so ConvLens's codes must be added.
 */
export function getSupportedCodeFixes(
  _context: PluginContext,
  original: ts.LanguageService['getSupportedCodeFixes'],
): ts.LanguageService['getSupportedCodeFixes'] {
  return (fileName) => [...original(fileName), ...FIXABLE_DIAGNOSTIC_CODES.map(String)];
}
