import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { diagramSvg, type DiagramEmphasis } from '../language/diagram/index';
import { analyze, compareModels, toComparisonTable, type ModelAnalysis, type ModelComparison } from '../language/engine/index';
import { summarizeAnalysis } from '../language/service/index';
import type { CliIo } from './cli-io';
import { executeModelFile } from './execute-model-file';
import { toDisplayPath, type ExportedRoot, type ModelFile } from './model-file';
import { describeStaticProblem, evaluateModelFile, type StaticProblem } from './static-model-file';
import { stringifySummaryJson, toSummaryJson, type ExportedAnalysis } from './summary-json';
import { renderSummaryTables } from './summary-table';
import { parseCommandLine, theModelFile, toUsageError } from './usage-error';
import { COMPARE_SYNOPSIS, SUMMARY_SYNOPSIS, USAGE } from './usage';
import { UserError, toOneLine } from './user-error';

/**
 * `convlens summary <file.ts> [--model EXPORT] [--json] [--execute] [--diagram out.svg]`
 * and `convlens summary A.ts [B.ts] --compare [--model A --model B]`; returns the exit
 * status. Static by default (no code runs); `--execute` runs the file. Both feed the same
 * builders, so their output is identical wherever both can evaluate the file.
 */
export async function runSummary(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseSummaryArgs(args);
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const models = values.model ?? [];
  const emphasis = values.emphasis ?? 'params';
  if (emphasis !== 'params' && emphasis !== 'macs') throw toUsageError(`--emphasis takes params or macs, not '${emphasis}'`, SUMMARY_SYNOPSIS);
  if (values.compare === true) {
    if (values.diagram !== undefined) throw toUsageError('--diagram draws one model; leave it out with --compare', COMPARE_SYNOPSIS);
    return await runCompare(positionals, models, values.execute === true, values.json === true, io);
  }
  if (models.length > 1) throw toUsageError(`--model names one export, got ${models.length} (to compare two, add --compare)`, SUMMARY_SYNOPSIS);
  if (positionals.length > 1) throw toUsageError(`summary takes one file, got ${positionals.length} (to compare two models, add --compare)`, SUMMARY_SYNOPSIS);
  const file = theModelFile(positionals, 'summary', SUMMARY_SYNOPSIS, 'the model file to summarise');
  if (values.diagram !== undefined && !/\.svg$/i.test(values.diagram)) throw toUsageError(`--diagram writes SVG: give a file name ending in .svg, not '${values.diagram}'`, SUMMARY_SYNOPSIS);

  const { modelFile, roots } = await loadRoots(file, models[0], values.execute === true, io);
  const entries: ExportedAnalysis[] = roots.map(({ exportName, root }) => ({ exportName, analysis: analyze(root) }));
  if (values.diagram !== undefined) {
    const [entry, ...others] = entries;
    if (entry === undefined || others.length > 0) {
      throw new UserError(`--diagram draws one model and ${modelFile.displayPath} exports ${entries.length} (${entries.map(({ exportName }) => exportName).join(', ')}): pick one with --model`);
    }
    await writeDiagram(entry, modelFile, values.diagram, { expandAll: values.expand === true, emphasis }, io);
  }
  if (values.json === true) {
    io.stdout(`${stringifySummaryJson(toSummaryJson(entries, modelFile.locate))}\n`);
  } else {
    io.stdout(renderSummaryTables(entries, modelFile.locate));
  }
  const hasError = entries.some(({ analysis }) => analysis.findings.some((finding) => finding.severity === 'error'));
  return hasError ? 1 : 0;
}

/** The file's exported roots (one, with `--model`), statically or by running it; warnings on stderr. */
async function loadRoots(file: string, wanted: string | undefined, execute: boolean, io: CliIo): Promise<{ modelFile: ModelFile; roots: readonly ExportedRoot[] }> {
  let modelFile: ModelFile;
  let problems: readonly StaticProblem[] = [];
  if (execute) {
    modelFile = await executeModelFile(file, io.cwd, io.stderr);
  } else {
    const evaluated = await evaluateModelFile(file, io.cwd);
    modelFile = evaluated;
    problems = evaluated.problems.filter((problem) => wanted === undefined || problem.exportName === wanted);
    const unresolvedWanted = problems.find((problem) => !problem.partial);
    // The one export asked for could not be evaluated: that is the error, not a warning.
    if (wanted !== undefined && unresolvedWanted !== undefined) throw new UserError(`${describeStaticProblem(unresolvedWanted)}; try --execute`);
    for (const problem of problems) io.stderr(`convlens: warning: ${describeStaticProblem(problem)}; try --execute\n`);
  }
  let roots = modelFile.roots;
  if (wanted !== undefined) {
    roots = roots.filter((entry) => entry.exportName === wanted);
    if (roots.length === 0) {
      const available = modelFile.roots.map((entry) => entry.exportName).join(', ');
      throw new UserError(`${modelFile.displayPath} has no model or gan export named '${wanted}'; available: ${available}`);
    }
  }
  if (roots.length === 0) {
    if (problems.length > 0) throw new UserError(`no export of ${modelFile.displayPath} could be evaluated statically; try --execute`);
    throw new UserError(`${modelFile.displayPath} exports no model or gan (e.g. export const net = model('net', input(1, 28, 28), ...))`);
  }
  return { modelFile, roots };
}

/** The architecture diagram of one export as a standalone SVG file (the panel's picture). */
async function writeDiagram(entry: ExportedAnalysis, modelFile: ModelFile, target: string, options: { expandAll: boolean; emphasis: DiagramEmphasis }, io: CliIo): Promise<void> {
  const summary = summarizeAnalysis(entry.exportName, entry.analysis, 'C@HxW', (node) => modelFile.locate(node)?.line ?? null);
  const svg = diagramSvg({ ...summary, title: entry.exportName }, { ...options, standalone: true });
  const absolute = path.resolve(io.cwd, target);
  try {
    await writeFile(absolute, `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`);
  } catch (error) {
    throw new UserError(`cannot write --diagram ${toDisplayPath(absolute, io.cwd)}: ${toOneLine((error as Error).message)}`);
  }
  io.stderr(`convlens: wrote the diagram of ${entry.exportName} to ${toDisplayPath(absolute, io.cwd)}\n`);
}

/**
 * `--compare`: two models, from two files (each exporting one model, or named by --model in
 * order) or from one file with two --model. Stage by stage; see language/engine/compare-models.ts.
 */
async function runCompare(files: readonly string[], models: readonly string[], execute: boolean, json: boolean, io: CliIo): Promise<number> {
  if (files.length === 0) throw toUsageError('--compare needs the model files', COMPARE_SYNOPSIS);
  if (files.length > 2) throw toUsageError(`--compare takes one or two files, got ${files.length}`, COMPARE_SYNOPSIS);
  if (files.length === 1 && models.length !== 2) throw toUsageError(`--compare with one file needs two --model, got ${models.length}`, COMPARE_SYNOPSIS);
  if (files.length === 2 && models.length === 1) throw toUsageError('--compare with two files takes no --model or one for each file, got 1', COMPARE_SYNOPSIS);
  if (models.length > 2) throw toUsageError(`--compare compares two models, got ${models.length} --model`, COMPARE_SYNOPSIS);
  const picks = files.length === 1 ? [{ file: files[0]!, model: models[0] }, { file: files[0]!, model: models[1] }] : files.map((file, index) => ({ file, model: models[index] }));
  const sides: { exportName: string; analysis: ModelAnalysis }[] = [];
  for (const { file, model } of picks) {
    const { modelFile, roots } = await loadRoots(file, model, execute, io);
    if (roots.length > 1) throw new UserError(`${modelFile.displayPath} exports ${roots.length} models (${roots.map(({ exportName }) => exportName).join(', ')}): pick one with --model, one --model per file`);
    const [{ exportName, root }] = roots as [ExportedRoot];
    const analysis = analyze(root);
    if (analysis.kind !== 'model') throw new UserError(`--compare compares classifiers, and ${exportName} in ${modelFile.displayPath} is a GAN: compare its generator or discriminator as a model of its own`);
    sides.push({ exportName, analysis });
  }
  const [a, b] = sides as [(typeof sides)[0], (typeof sides)[0]];
  const comparison = compareModels(a.analysis, b.analysis);
  if (json) {
    io.stdout(`${JSON.stringify({ a: a.exportName, b: b.exportName, stages: comparison.stages, totals: comparison.totals }, null, 2)}\n`);
  } else {
    io.stdout(renderComparison(a.exportName, b.exportName, comparison));
  }
  const hasError = sides.some(({ analysis }) => analysis.findings.some((finding) => finding.severity === 'error'));
  return hasError ? 1 : 0;
}

/** The comparison as an aligned text table, numbers right-aligned. */
function renderComparison(a: string, b: string, comparison: ModelComparison): string {
  const { header, rows } = toComparisonTable(comparison);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]): string => cells.map((text, column) => (column === 0 ? text.padEnd(widths[column]!) : text.padStart(widths[column]!))).join('  ').trimEnd();
  return [
    `Compare A = ${a} with B = ${b}, stage by stage (a stage: the layers whose output has that resolution; Δ = B − A; aux heads left out)`,
    '',
    line(header),
    line(widths.map((width) => '─'.repeat(width))),
    ...rows.slice(0, -1).map(line),
    line(widths.map((width) => '─'.repeat(width))),
    line(rows[rows.length - 1]!),
    '',
  ].join('\n');
}

function parseSummaryArgs(args: readonly string[]) {
  return parseCommandLine(
    args,
    {
      model: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      execute: { type: 'boolean' },
      diagram: { type: 'string' },
      expand: { type: 'boolean' },
      emphasis: { type: 'string' },
      compare: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    SUMMARY_SYNOPSIS,
  );
}
