/**
 * The model `convlens train` and `convlens run` work on: export EXPORT of a file, from
 * static evaluation when it knows the whole file (no user code runs, as in the editor),
 * else from executing the file (what only running can tell: `Math.random()`, data files).
 */
import * as path from 'node:path';
import { analyze } from '../language/engine/index';
import type { RootNode } from '../language/ir/index';
import { executeModelFile } from './execute-model-file';
import type { CliIo } from './cli-io';
import { isJavaScriptFile, toDisplayPath, type ModelFile } from './model-file';
import { describeStaticProblem, evaluateModelFile } from './static-model-file';
import { toUsageError } from './usage-error';
import { UserError } from './user-error';

export interface LoadedExport {
  readonly exportName: string;
  readonly root: RootNode;
  readonly displayPath: string;
}

/**
 * The IR of export `exportName` of `file` (resolved against `cwd`); with no `exportName`,
 * the file's only export. `synopsis` is the command's, for the usage error.
 */
export async function loadExportedRoot(file: string, exportName: string | undefined, io: CliIo, synopsis: string): Promise<LoadedExport> {
  const { cwd } = io;
  // Running the user's code is never silent: the line says what runs and why.
  const execute = (why: string): Promise<ModelFile> => {
    io.stderr(`convlens: running ${toDisplayPath(path.resolve(cwd, file), cwd)} to build its models: ${why}\n`);
    return executeModelFile(file, cwd, io.stderr);
  };
  if (isJavaScriptFile(file)) return pickExport(await execute('it is JavaScript, which static evaluation does not read'), exportName, synopsis);
  const evaluated = await evaluateModelFile(file, cwd);
  // Static evaluation with any unknown export or part leaves the file to execution, which
  // sees every export whole.
  const [problem] = evaluated.problems;
  const modelFile = problem === undefined ? evaluated : await execute(describeStaticProblem(problem));
  return pickExport(modelFile, exportName, synopsis);
}

function pickExport(modelFile: ModelFile, exportName: string | undefined, synopsis: string): LoadedExport {
  const available = modelFile.roots.map((entry) => entry.exportName);
  if (available.length === 0) throw new UserError(`${modelFile.displayPath} exports no model or gan`);
  if (exportName === undefined) {
    const [only] = modelFile.roots;
    if (modelFile.roots.length === 1 && only !== undefined) return { ...only, displayPath: modelFile.displayPath };
    throw toUsageError(`${modelFile.displayPath} exports ${available.join(', ')}; pick one with --model`, synopsis);
  }
  const found = modelFile.roots.find((entry) => entry.exportName === exportName);
  if (found === undefined) throw new UserError(`${modelFile.displayPath} has no model or gan export named '${exportName}'; available: ${available.join(', ')}`);
  return { ...found, displayPath: modelFile.displayPath };
}

/** A model with error findings cannot be built: the first one, located, is the message. */
export function checkNoErrors(root: RootNode, exportName: string): void {
  const analysis = analyze(root);
  const errors = analysis.findings.filter((finding) => finding.severity === 'error');
  const [first] = errors;
  if (first !== undefined) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more; see convlens summary)` : '';
    throw new UserError(`${exportName} has shape errors, so it cannot be trained: ${first.code} ${first.message}${more}`);
  }
}
