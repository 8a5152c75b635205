import type * as ts from 'typescript';

/**
 * For a file that no tsconfig.json covers: what a new TypeScript project for Node uses.
 * The CLI's static commands and the extension's in-process analysis both compile such a
 * file with these, so they agree with each other; `typescript` is passed in (the editor's own).
 */
export function defaultCompilerOptions(tsModule: typeof import('typescript')): ts.CompilerOptions {
  return {
    strict: true,
    target: tsModule.ScriptTarget.ES2022,
    module: tsModule.ModuleKind.NodeNext,
    moduleResolution: tsModule.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    noEmit: true,
  };
}
