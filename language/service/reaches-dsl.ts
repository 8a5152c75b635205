/**
 * Whether a file can define a model at all: only a file that imports the DSL, directly or
 * through other files of the program, can. Hosts ask this before evaluating, so ordinary
 * code (most files of a project) costs the plugin a walk over import declarations and
 * nothing else — no evaluation, no type checker.
 */
import type * as ts from 'typescript';
import { isDslFile } from '../evaluate/index';

/**
 * `Program.getResolvedModuleFromModuleSpecifier` exists in TypeScript 5.3–6 but is not in
 * the public declarations; without it every file with an import counts as reaching the DSL.
 */
type ResolvedModuleLookup = (moduleSpecifier: ts.StringLiteralLike, sourceFile: ts.SourceFile) => { resolvedModule?: { resolvedFileName: string } } | undefined;

const cache = new WeakMap<ts.Program, Map<ts.SourceFile, boolean>>();

export function reachesDsl(tsModule: typeof import('typescript'), program: ts.Program, sourceFile: ts.SourceFile): boolean {
  if (isDslFile(sourceFile.fileName)) return false;
  const lookup = (program as unknown as { getResolvedModuleFromModuleSpecifier?: ResolvedModuleLookup }).getResolvedModuleFromModuleSpecifier;
  if (typeof lookup !== 'function') return sourceFile.statements.some((statement) => moduleSpecifierOf(tsModule, statement) !== undefined);

  let perProgram = cache.get(program);
  if (perProgram === undefined) {
    perProgram = new Map();
    cache.set(program, perProgram);
  }
  const known = perProgram.get(sourceFile);
  if (known !== undefined) return known;

  // Breadth-first over the import graph until the DSL turns up: each file of the project
  // once, so a large project costs one pass over its import declarations.
  let reaches = false;
  const seen = new Set<ts.SourceFile>([sourceFile]);
  const queue = [sourceFile];
  search: for (let index = 0; index < queue.length; index += 1) {
    const file = queue[index]!;
    for (const statement of file.statements) {
      const specifier = moduleSpecifierOf(tsModule, statement);
      if (specifier === undefined) continue;
      const resolved = lookup.call(program, specifier, file)?.resolvedModule?.resolvedFileName;
      if (resolved === undefined) continue;
      if (isDslFile(resolved)) {
        reaches = true;
        break search;
      }
      // Other packages' declarations are not followed: a library that re-exports the DSL is
      // rare, and the type graph of one (TensorFlow.js, Node's types) can be large.
      const target = program.getSourceFile(resolved);
      if (target !== undefined && !seen.has(target) && !program.isSourceFileFromExternalLibrary(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  perProgram.set(sourceFile, reaches);
  return reaches;
}

function moduleSpecifierOf(tsModule: typeof import('typescript'), statement: ts.Statement): ts.StringLiteralLike | undefined {
  if (tsModule.isImportDeclaration(statement) || tsModule.isExportDeclaration(statement)) {
    const specifier = statement.moduleSpecifier;
    return specifier !== undefined && tsModule.isStringLiteralLike(specifier) ? specifier : undefined;
  }
  if (tsModule.isImportEqualsDeclaration(statement) && tsModule.isExternalModuleReference(statement.moduleReference)) {
    const expression = statement.moduleReference.expression;
    return tsModule.isStringLiteralLike(expression) ? expression : undefined;
  }
  return undefined;
}
