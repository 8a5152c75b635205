/**
 * `convlens export <file.ts> --to pytorch [--model EXPORT] [--out DIR] [--force] [--execute]`:
 * writes model.py, train.py, convlens_checkpoint.py and a README for one exported model or
 * GAN (interop/pytorch). Static by default (no code runs), like `summary`; `--execute` runs
 * the file. Exit status: 0 written; 1 the model has error findings; 2 bad input (unknown
 * export, a value static evaluation cannot know, files that exist without --force).
 */
import * as path from 'node:path';
import { ExportError, exportToPyTorch, writeExportFiles } from '../interop/index';
import type { RootNode } from '../language/ir/index';
import type { CliIo } from './cli-io';
import { executeModelFile } from './execute-model-file';
import { toDisplayPath, type ExportedRoot, type ModelFile } from './model-file';
import { checkOutputFolder } from './output-folder';
import { evaluateModelFile, type StaticProblem } from './static-model-file';
import { parseCommandLine, theModelFile, toUsageError } from './usage-error';
import { EXPORT_SYNOPSIS, USAGE } from './usage';
import { UserError, toOneLine } from './user-error';

/** The frameworks `--to` knows. */
const TARGETS = ['pytorch'] as const;

export async function runExport(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseExportArgs(args);
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const file = theModelFile(positionals, 'export', EXPORT_SYNOPSIS);
  if (values.to === undefined) throw toUsageError('export needs --to pytorch', EXPORT_SYNOPSIS);
  if (!(TARGETS as readonly string[]).includes(values.to)) {
    throw toUsageError(`--to must be ${TARGETS.join(' or ')}, got '${values.to}'`, EXPORT_SYNOPSIS);
  }

  let modelFile: ModelFile;
  let problems: readonly StaticProblem[] = [];
  if (values.execute === true) {
    modelFile = await executeModelFile(file, io.cwd, io.stderr);
  } else {
    const evaluated = await evaluateModelFile(file, io.cwd);
    modelFile = evaluated;
    problems = evaluated.problems;
  }
  const { exportName, root } = pickExport(modelFile, values.model, problems);

  const out = path.resolve(io.cwd, values.out ?? `${exportName}-pytorch`);
  const displayOut = toDisplayPath(out, io.cwd);
  await checkOutputFolder(out, io.cwd);
  try {
    const exported = exportToPyTorch(root, { sourceFile: modelFile.displayPath, exportName, executed: values.execute === true });
    await writeExportFiles(out, exported.files, { force: values.force === true, displayPath: displayOut });
    io.stdout(`Wrote ${exported.files.map((entry) => path.join(displayOut, entry.path)).join(', ')}\n`);
    io.stdout(`Train on 2 processes: cd ${displayOut} && torchrun --standalone --nproc_per_node 2 train.py ${suggestData(root)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ExportError)) throw error;
    const staticReason = problems.find((problem) => problem.exportName === exportName);
    if (error.reason === 'unknownValue' && staticReason !== undefined) {
      const where = staticReason.location === null ? '' : `, line ${staticReason.location.line}`;
      throw new UserError(`${error.message} (${toOneLine(staticReason.reason)}${where})`);
    }
    if (error.reason === 'errorFindings') {
      io.stderr(`convlens: ${toOneLine(error.message)}\n`);
      return 1;
    }
    throw new UserError(error.message);
  }
}

/** train.py's data flags for the dataset whose images the model reads as they are. */
function suggestData(root: RootNode): string {
  const shape = (root.kind === 'gan' ? root.image : root.input.shape).join(',');
  if (shape === '1,28,28') return '--data mnist --download';
  if (shape === '3,32,32') return '--data cifar10 --download';
  return '--data folder --data-dir IMAGES';
}

/** The export named by --model, or the file's only one. */
function pickExport(modelFile: ModelFile, wanted: string | undefined, problems: readonly StaticProblem[]): ExportedRoot {
  const available = modelFile.roots.map((entry) => entry.exportName);
  const unevaluated = problems.filter((problem) => !problem.partial).map((problem) => problem.exportName);
  if (wanted === undefined) {
    const [only] = modelFile.roots;
    if (only !== undefined && modelFile.roots.length === 1 && unevaluated.length === 0) return only;
    if (available.length + unevaluated.length === 0) {
      throw new UserError(`${modelFile.displayPath} exports no model or gan (e.g. export const net = model('net', input(1, 28, 28), ...))`);
    }
    throw toUsageError(`${modelFile.displayPath} exports ${[...available, ...unevaluated].join(', ')}; pick one with --model`, EXPORT_SYNOPSIS);
  }
  const found = modelFile.roots.find((entry) => entry.exportName === wanted);
  if (found !== undefined) return found;
  const problem = problems.find((candidate) => candidate.exportName === wanted);
  if (problem !== undefined) {
    const where = problem.location === null ? '' : ` (line ${problem.location.line})`;
    throw new UserError(`export '${wanted}' of ${modelFile.displayPath} could not be evaluated statically: ${toOneLine(problem.reason)}${where}; try --execute`);
  }
  throw new UserError(`${modelFile.displayPath} has no model or gan export named '${wanted}'; available: ${available.join(', ')}`);
}

function parseExportArgs(args: readonly string[]) {
  return parseCommandLine(
    args,
    {
      to: { type: 'string' },
      model: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean' },
      execute: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    EXPORT_SYNOPSIS,
  );
}
