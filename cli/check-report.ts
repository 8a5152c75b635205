/**
 * `convlens check` output: tsc-style lines and a closing count, or JSON. Pure: it takes
 * diagnostics that are already located and sorted.
 */

export type CheckSeverity = 'error' | 'warning' | 'info';

export interface CheckDiagnostic {
  /** Relative to the working directory. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** `CL1002`. */
  readonly code: string;
  readonly severity: CheckSeverity;
  readonly message: string;
}

export interface CheckReport {
  /** How many files were checked. */
  readonly files: number;
  readonly diagnostics: readonly CheckDiagnostic[];
}

/** `examples/broken.ts:12:3 - error CL1004: message` per diagnostic, then `Found 2 errors, 1 warning in 1 file.` */
export function renderCheckReport(report: CheckReport): string {
  const lines = report.diagnostics.map(
    ({ file, line, column, severity, code, message }) => `${file}:${line}:${column} - ${severity} ${code}: ${message}`,
  );
  if (lines.length === 0) return `No problems in ${count(report.files, 'file')}.\n`;
  const bySeverity = (severity: CheckSeverity): number => report.diagnostics.filter((diagnostic) => diagnostic.severity === severity).length;
  const counts = [count(bySeverity('error'), 'error'), count(bySeverity('warning'), 'warning'), count(bySeverity('info'), 'info')].filter(
    (text) => !text.startsWith('0 '),
  );
  const filesWithProblems = new Set(report.diagnostics.map((diagnostic) => diagnostic.file)).size;
  return `${lines.join('\n')}\n\nFound ${counts.join(', ')} in ${count(filesWithProblems, 'file')}.\n`;
}

/** `{ "files": N, "diagnostics": [...] }`, two-space indented. */
export function stringifyCheckReport(report: CheckReport): string {
  return `${JSON.stringify({ files: report.files, diagnostics: report.diagnostics }, null, 2)}\n`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
