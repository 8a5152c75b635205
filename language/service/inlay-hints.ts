/**
 * Shape hints: after each layer call its output shape (`→ 6@28×28`), after a helper call
 * the block's output, every distinct shape when one call site is evaluated in several
 * contexts (a helper called per stage, a loop).
 */
import type * as ts from 'typescript';
import { formatCount, formatShape, type LayerReport } from '../engine/index';
import { isRootNode } from '../ir/index';
import { analyzeFile, type FileAnalysis } from './file-analysis';
import type { ConvLensSettings } from './settings';

/** More distinct shapes than this at one call site are summarised. */
const MAX_SHAPES_PER_HINT = 4;

export function provideShapeHints(
  tsModule: typeof import('typescript'),
  program: ts.Program,
  sourceFile: ts.SourceFile,
  span: ts.TextSpan,
  settings: ConvLensSettings,
): ts.InlayHint[] {
  if (!settings.hints) return [];
  const analysis = analyzeFile(tsModule, program, sourceFile);
  const hints: ts.InlayHint[] = [];
  const { dslCalls, helperCalls } = analysis.evaluation.record;
  const inSpan = (call: ts.CallExpression): boolean =>
    call.getSourceFile() === sourceFile && call.getEnd() >= span.start && call.getEnd() <= span.start + span.length;
  for (const calls of [dslCalls, helperCalls]) {
    for (const [call, nodes] of calls) {
      if (!inSpan(call)) continue;
      const text = hintText(analysis, nodes, settings);
      if (text !== undefined) {
        hints.push({ text, position: call.getEnd(), kind: tsModule.InlayHintKind.Type, whitespaceBefore: true });
      }
    }
  }
  return hints.sort((a, b) => a.position - b.position);
}

function hintText(analysis: FileAnalysis, nodes: readonly object[], settings: ConvLensSettings): string | undefined {
  const reports: LayerReport[] = [];
  const rootOutputs: string[] = [];
  for (const node of nodes) {
    if (isRootNode(node)) {
      const root = analysis.roots.find((candidate) => candidate.evaluated.root === node);
      if (root !== undefined) rootOutputs.push(formatShape(root.analysis.output, settings.shapeFormat));
      continue;
    }
    // The input node repeats what its call says; it gets no hint.
    reports.push(...analysis.reportsOf(node).filter((report) => report.node.kind !== 'input'));
  }
  const shapes = [...new Set([...reports.map((report) => formatShape(report.output, settings.shapeFormat)), ...rootOutputs])];
  if (shapes.length === 0) return undefined;
  const shown = shapes.length > MAX_SHAPES_PER_HINT ? [...shapes.slice(0, MAX_SHAPES_PER_HINT), `… ${shapes.length - MAX_SHAPES_PER_HINT} more`] : shapes;
  let text = `→ ${shown.join(' | ')}`;
  if (settings.showParamsInHints) {
    const counts = [...new Set(reports.map((report) => sumParams(report)))];
    const [count] = counts;
    if (counts.length === 1 && count !== undefined && count !== 0) text += ` · ${count === null ? '?' : formatCount(count)} params`;
  }
  return text;
}

function sumParams(report: LayerReport): number | null {
  const { trainable, nonTrainable } = report.params;
  return trainable === null || nonTrainable === null ? null : trainable + nonTrainable;
}
