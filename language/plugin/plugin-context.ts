import type * as ts from 'typescript';
import type { ConvLensSettings } from '../service/index';

/** What every decorated method needs: the host's TypeScript, the current settings and a log. */
export interface PluginContext {
  readonly ts: typeof import('typescript');
  readonly languageService: ts.LanguageService;
  settings(): ConvLensSettings;
  log(message: string): void;
}

/**
 * The program and source file of `fileName`, or undefined for files ConvLens can skip
 * cheaply: neither mentions 'convlens' nor imports anything that could lead to it.
 */
export function programFor(context: PluginContext, fileName: string): { program: ts.Program; sourceFile: ts.SourceFile } | undefined {
  const program = context.languageService.getProgram();
  const sourceFile = program?.getSourceFile(fileName);
  if (program === undefined || sourceFile === undefined || sourceFile.isDeclarationFile) return undefined;
  const mayHaveModels = sourceFile.text.includes('convlens') || sourceFile.statements.some((statement) => context.ts.isImportDeclaration(statement) || context.ts.isExportDeclaration(statement));
  return mayHaveModels ? { program, sourceFile } : undefined;
}
