import { analyze } from '../language/engine/index';
import type { CliIo } from './cli-io';
import { executeModelFile } from './execute-model-file';
import type { ModelFile } from './model-file';
import { describeStaticProblem, evaluateModelFile, type StaticProblem } from './static-model-file';
import { stringifySummaryJson, toSummaryJson, type ExportedAnalysis } from './summary-json';
import { renderSummaryTables } from './summary-table';
import { parseCommandLine, theModelFile } from './usage-error';
import { SUMMARY_SYNOPSIS, USAGE } from './usage';
import { UserError } from './user-error';

/**
 * `convlens summary <file.ts> [--model EXPORT] [--json] [--execute]`; returns the exit
 * status. Static by default (no code runs); `--execute` runs the file. Both feed the same
 * builders, so their output is identical wherever both can evaluate the file.
 */
export async function runSummary(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseSummaryArgs(args);
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const file = theModelFile(positionals, 'summary', SUMMARY_SYNOPSIS, 'the model file to summarise');

  let modelFile: ModelFile;
  let problems: readonly StaticProblem[] = [];
  if (values.execute === true) {
    modelFile = await executeModelFile(file, io.cwd, io.stderr);
  } else {
    const evaluated = await evaluateModelFile(file, io.cwd);
    modelFile = evaluated;
    problems = evaluated.problems.filter((problem) => values.model === undefined || problem.exportName === values.model);
    const unresolvedWanted = problems.find((problem) => !problem.partial);
    // The one export asked for could not be evaluated: that is the error, not a warning.
    if (values.model !== undefined && unresolvedWanted !== undefined) throw new UserError(`${describeStaticProblem(unresolvedWanted)}; try --execute`);
    for (const problem of problems) io.stderr(`convlens: warning: ${describeStaticProblem(problem)}; try --execute\n`);
  }
  let roots = modelFile.roots;
  if (values.model !== undefined) {
    const wanted = values.model;
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

  const entries: ExportedAnalysis[] = roots.map(({ exportName, root }) => ({ exportName, analysis: analyze(root) }));
  if (values.json === true) {
    io.stdout(`${stringifySummaryJson(toSummaryJson(entries, modelFile.locate))}\n`);
  } else {
    io.stdout(renderSummaryTables(entries, modelFile.locate));
  }
  const hasError = entries.some(({ analysis }) => analysis.findings.some((finding) => finding.severity === 'error'));
  return hasError ? 1 : 0;
}

function parseSummaryArgs(args: readonly string[]) {
  return parseCommandLine(
    args,
    {
      model: { type: 'string' },
      json: { type: 'boolean' },
      execute: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    SUMMARY_SYNOPSIS,
  );
}
