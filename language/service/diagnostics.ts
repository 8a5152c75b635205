/**
 * The engine's findings as TypeScript diagnostics at the offending call, source `convlens`.
 *
 * TypeScript's diagnostics carry numeric codes and its own occupy 1000–18xxx, 69xxx,
 * 80xxx and 95xxx; ConvLens's CL1002 is reported as 91002 so the two never collide
 * (editors show it as `convlens(91002)`; `convlens check` prints `CL1002`).
 */
import type * as ts from 'typescript';
import type { Finding, Severity } from '../engine/index';
import type { EvaluationLimits } from '../evaluate/index';
import { analyzeFile, calleeSpan } from './file-analysis';

export const DIAGNOSTIC_SOURCE = 'convlens';
const CODE_OFFSET = 90_000;

export function toDiagnosticCode(findingCode: string): number {
  return CODE_OFFSET + Number(findingCode.replace(/^CL/, ''));
}

/** `CL1002` for 91002; undefined for a code that is not ConvLens's. */
export function toFindingCode(diagnosticCode: number): string | undefined {
  const number = diagnosticCode - CODE_OFFSET;
  return number >= 1000 && number < 10_000 ? `CL${number}` : undefined;
}

export interface LocatedFinding {
  readonly finding: Finding;
  readonly start: number;
  readonly length: number;
}

/** Every finding of the file's models at the call it belongs to, each reported once. */
export function locateFindings(
  tsModule: typeof import('typescript'),
  program: ts.Program,
  sourceFile: ts.SourceFile,
  limits?: EvaluationLimits,
): LocatedFinding[] {
  const analysis = analyzeFile(tsModule, program, sourceFile, limits);
  const located: LocatedFinding[] = [];
  const seen = new Set<string>();
  const analysed = [
    ...analysis.roots.map(({ evaluated, analysis: result }) => ({ result, root: evaluated.root as object, nameNode: evaluated.nameNode as ts.Node | undefined })),
    // An uncalled helper's findings hold for every value of its parameters (an error), or say
    // under which values it fails (an info); one about its symbolic input goes on its name.
    ...analysis.helpers.map(({ helper, analysis: result }) => ({ result, root: helper.root as object, nameNode: helper.nameNode })),
  ];
  for (const { result, root, nameNode } of analysed) {
    for (const finding of result.findings) {
      const site = analysis.locate(finding.node) ?? analysis.locate(root) ?? nameNode;
      if (site === undefined) continue;
      const { start, length } = calleeSpan(tsModule, site, sourceFile);
      const key = `${start}:${finding.code}:${finding.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      located.push({ finding, start, length });
    }
  }
  return located.sort((a, b) => a.start - b.start);
}

function toCategory(tsModule: typeof import('typescript'), severity: Severity): ts.DiagnosticCategory {
  switch (severity) {
    case 'error':
      return tsModule.DiagnosticCategory.Error;
    case 'warning':
      return tsModule.DiagnosticCategory.Warning;
    case 'info':
      return tsModule.DiagnosticCategory.Message;
  }
}

export function collectDiagnostics(
  tsModule: typeof import('typescript'),
  program: ts.Program,
  sourceFile: ts.SourceFile,
  limits?: EvaluationLimits,
): ts.Diagnostic[] {
  return locateFindings(tsModule, program, sourceFile, limits).map(({ finding, start, length }) => ({
    file: sourceFile,
    start,
    length,
    messageText: finding.message,
    category: toCategory(tsModule, finding.severity),
    code: toDiagnosticCode(finding.code),
    source: DIAGNOSTIC_SOURCE,
  }));
}
