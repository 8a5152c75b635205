import { parseArgs } from 'node:util';
import { analyze } from '../engine/index';
import type { CliIo } from './cli-io';
import { executeModelFile } from './execute-model-file';
import { stringifySummaryJson, toSummaryJson, type ExportedAnalysis } from './summary-json';
import { renderSummaryTables } from './summary-table';
import { toUsageError } from './usage-error';
import { USAGE } from './usage';
import { UserError } from './user-error';

/** `convlens summary <file.ts> [--model EXPORT] [--json] --execute`; returns the exit status. */
export async function runSummary(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseSummaryArgs(args);
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (file === undefined) throw toUsageError('summary needs the model file to summarise');
  if (extra.length > 0) throw toUsageError(`summary takes one file, got ${positionals.length}`);
  if (values.execute !== true) {
    throw new UserError(
      'static mode (summarising without running the file) is not available yet; pass --execute to run the file and summarise what it exports',
    );
  }

  const modelFile = await executeModelFile(file, io.cwd);
  if (modelFile.roots.length === 0) {
    throw new UserError(`${modelFile.displayPath} exports no model or gan (e.g. export const net = model('net', input(1, 28, 28), ...))`);
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
  try {
    return parseArgs({
      args: [...args],
      options: {
        model: { type: 'string' },
        json: { type: 'boolean' },
        execute: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw toUsageError(describeParseError(error));
  }
}

/** parseArgs's messages, shortened to their first sentence; unknown options named plainly. */
function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(text)?.[1];
    if (option !== undefined) return `unknown option '${option}'`;
  }
  const firstSentence = text.split(/\.\s/)[0] ?? text;
  return firstSentence.charAt(0).toLowerCase() + firstSentence.slice(1);
}
