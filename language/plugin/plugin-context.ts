import type * as ts from 'typescript';
import { reachesDsl, type ConvLensSettings } from 'convlens/service';

/** What every decorated method needs: the host's TypeScript, the current settings and a log. */
export interface PluginContext {
  readonly ts: typeof import('typescript');
  readonly languageService: ts.LanguageService;
  /**
   * The project's current program, asked of the language service only when the project's
   * version has changed: asking each time re-checks every file's version on each request,
   * which is most of what the plugin costs a file without models.
   */
  currentProgram(): ts.Program | undefined;
  settings(): ConvLensSettings;
  log(message: string): void;
}

/**
 * The program and source file of `fileName`, or undefined for files ConvLens can skip
 * cheaply: declaration files and files that do not import the DSL, directly or through
 * other files (so ordinary code costs a walk over import declarations, nothing more).
 */
export function programFor(context: PluginContext, fileName: string): { program: ts.Program; sourceFile: ts.SourceFile } | undefined {
  const program = context.currentProgram();
  const sourceFile = program?.getSourceFile(fileName);
  if (program === undefined || sourceFile === undefined || sourceFile.isDeclarationFile) return undefined;
  return reachesDsl(context.ts, program, sourceFile) ? { program, sourceFile } : undefined;
}
