/**
 * Static mode: the models and GANs a file exports, from the static evaluator
 * (language/evaluate) over a TypeScript program of the file's project. No user code runs.
 *
 * Locations follow execute mode's rule, which reports the innermost stack frame in the
 * summarised file: a node is at the DSL call that created it when that call is in this
 * file, else at the call in this file of the imported function (a helper from another
 * file) that created it, else nowhere.
 */
import * as path from 'node:path';
import * as ts from 'typescript';
import { createSiteFinder, evaluateFile, firstUnknown, type EvaluationRecord, type FileEvaluation, type Unknown } from '../language/evaluate/index';
import type { RootNode } from '../language/ir/index';
import { checkIsFile, isJavaScriptFile, sortByCreation, toDisplayPath, type CreationKey, type ExportedRoot, type ModelFile } from './model-file';
import type { Locate, SourceLocation } from './source-location';
import { createProjectProgram, isUnparsable, settingsForFile, UNPARSABLE_REASON } from './typescript-project';
import { UserError, toOneLine } from './user-error';

/** An export that could not be evaluated, or whose IR has parts that could not. */
export interface StaticProblem {
  readonly exportName: string;
  /** Whether the export still has a summary (with unknown parts), or none at all. */
  readonly partial: boolean;
  readonly reason: string;
  /** Where the unknown value arose, when that is in the summarised file. */
  readonly location: SourceLocation | null;
}

export interface StaticModelFile extends ModelFile {
  readonly problems: readonly StaticProblem[];
}

/** Evaluates `filePath` (resolved against `cwd`) statically. Throws UserError for the user's problems. */
export async function evaluateModelFile(filePath: string, cwd: string): Promise<StaticModelFile> {
  const absolutePath = path.resolve(cwd, filePath);
  const displayPath = toDisplayPath(absolutePath, cwd);
  await checkIsFile(absolutePath, displayPath);
  if (isJavaScriptFile(absolutePath)) {
    throw new UserError(`${displayPath} is JavaScript; static evaluation reads TypeScript model files (.ts, .tsx): rename it, or run it with --execute`);
  }

  const program = createProjectProgram(settingsForFile(absolutePath, cwd), [absolutePath]);
  const sourceFile = program.getSourceFile(absolutePath);
  if (sourceFile === undefined) throw new UserError(`${displayPath} is not a TypeScript or JavaScript file`);
  if (isUnparsable(program, absolutePath)) throw new UserError(`${displayPath}: ${UNPARSABLE_REASON}`);
  // As execute mode, a file that does not parse is refused; type errors are the editor's business.
  const [syntaxError] = program.getSyntacticDiagnostics(sourceFile);
  if (syntaxError !== undefined) throw new UserError(describeDiagnostic(syntaxError, displayPath));

  const evaluation = evaluateFile(ts, program, sourceFile);
  const locate = createStaticLocate(sourceFile, program.getTypeChecker(), evaluation.record);
  const exported: ExportedRoot[] = [];
  for (const { exportName, root } of evaluation.roots) {
    if (exportName !== null) exported.push({ exportName, root });
  }
  const keyOf = (root: RootNode): CreationKey => {
    const statement = evaluation.record.rootStatement.get(root);
    return {
      statementStart: statement !== undefined && statement.getSourceFile() === sourceFile ? statement.getStart(sourceFile) : null,
      location: locate(root),
    };
  };
  const roots = sortByCreation(exported, keyOf);
  return { displayPath, roots, locate, problems: collectProblems(evaluation, roots, sourceFile) };
}

/** `could not evaluate export noisy statically: Math.random() has no value until the code runs (line 7)`. */
export function describeStaticProblem({ exportName, partial, reason, location }: StaticProblem): string {
  const what = partial ? `all of export ${exportName}` : `export ${exportName}`;
  return `could not evaluate ${what} statically: ${toOneLine(reason)}${location === null ? '' : ` (line ${location.line})`}`;
}

/** `file:line:col: message`, as execute mode reports esbuild's syntax errors. */
function describeDiagnostic(diagnostic: ts.Diagnostic, displayPath: string): string {
  const text = toOneLine(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  if (diagnostic.file === undefined || diagnostic.start === undefined) return `${displayPath}: ${text}`;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${displayPath}:${line + 1}:${character + 1}: ${text}`;
}

/**
 * Where a node was created, by execute mode's rule (see the top of this file). A call's
 * position is that of its callee's name (`conv2d` in `cl.conv2d(…)`, `'conv2d'` in
 * `cl['conv2d'](…)`): where V8 places the frame of a method call, and where the editor puts
 * the squiggle.
 */
export function createStaticLocate(sourceFile: ts.SourceFile, checker: ts.TypeChecker, record: EvaluationRecord): Locate {
  const findSite = createSiteFinder(sourceFile, checker, record);
  return (node) => {
    const site = findSite(node);
    return site === undefined ? null : toSourceLocation(site, sourceFile);
  };
}

export function toSourceLocation(node: ts.Node, sourceFile: ts.SourceFile): SourceLocation {
  let anchor: ts.Node = node;
  if (ts.isCallExpression(node)) {
    const callee = node.expression;
    anchor = ts.isPropertyAccessExpression(callee) ? callee.name : ts.isElementAccessExpression(callee) ? callee.argumentExpression : callee;
  }
  const { line, character } = sourceFile.getLineAndCharacterOfPosition(anchor.getStart(sourceFile));
  return { line: line + 1, column: character + 1 };
}

/** Exports typed as models that could not be evaluated, then exported roots with unknown parts. */
function collectProblems(evaluation: FileEvaluation, roots: readonly ExportedRoot[], sourceFile: ts.SourceFile): StaticProblem[] {
  const locationOf = (unknown: Unknown): SourceLocation | null =>
    unknown.node !== undefined && unknown.node.getSourceFile() === sourceFile ? toSourceLocation(unknown.node, sourceFile) : null;
  const problems: StaticProblem[] = evaluation.unresolved.map(({ exportName, unknown }) => ({
    exportName,
    partial: false,
    reason: unknown.reason,
    location: locationOf(unknown),
  }));
  for (const { exportName, root } of roots) {
    const unknown = firstUnknown(root, evaluation.record);
    if (unknown !== undefined) problems.push({ exportName, partial: true, reason: unknown.reason, location: locationOf(unknown) });
  }
  return problems;
}

