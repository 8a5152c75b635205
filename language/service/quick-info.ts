/**
 * Hover content: on a layer call, that layer in every context it is evaluated in; on a
 * helper call, the block it returns; on a model's or GAN's name, its summary.
 */
import type * as ts from 'typescript';
import { analyzeFile, calleeSpan, findCallAtCallee, preferConcrete } from './file-analysis';
import { describeLayerContexts, describeModel } from './hover-markdown';
import { isRootNode } from '../ir/index';
import type { ConvLensSettings } from './settings';
import type { LayerReport } from '../engine/index';
import type { EvaluationLimits } from '../evaluate/index';

export interface ConvLensHover {
  readonly textSpan: ts.TextSpan;
  readonly markdown: string;
}

export function getHover(
  tsModule: typeof import('typescript'),
  program: ts.Program,
  sourceFile: ts.SourceFile,
  position: number,
  settings: ConvLensSettings,
  limits?: EvaluationLimits,
): ConvLensHover | undefined {
  const analysis = analyzeFile(tsModule, program, sourceFile, limits);
  if (analysis.abandoned !== undefined) return undefined;
  const format = settings.shapeFormat;

  for (const { evaluated, analysis: result } of analysis.roots) {
    const name = evaluated.nameNode;
    if (name !== undefined && name.getSourceFile() === sourceFile && position >= name.getStart(sourceFile) && position <= name.getEnd()) {
      return { textSpan: { start: name.getStart(sourceFile), length: name.getEnd() - name.getStart(sourceFile) }, markdown: describeModel(result, format) };
    }
  }

  const call = findCallAtCallee(tsModule, sourceFile, position);
  if (call === undefined) return undefined;
  const { dslCalls, helperCalls, unknownReasons } = analysis.evaluation.record;
  const called = dslCalls.get(call) ?? helperCalls.get(call);
  if (called === undefined) return undefined;
  const nodes = preferConcrete(called, (node) => node, analysis.evaluation.record.symbolicNodes, call);
  const span = calleeSpan(tsModule, call, sourceFile);

  const root = nodes.find(isRootNode);
  if (root !== undefined) {
    const analysed = analysis.analysisOf(root);
    if (analysed !== undefined) return { textSpan: span, markdown: describeModel(analysed, format) };
  }
  const network = nodes.map(analysis.networkOf).find((candidate) => candidate !== undefined);
  if (network !== undefined) return { textSpan: span, markdown: describeModel(network, format) };
  const reports: LayerReport[] = [];
  const reasons = new Set<string>();
  for (const node of nodes) {
    reports.push(...analysis.reportsOf(node));
    for (const unknown of unknownReasons.get(node) ?? []) reasons.add(unknown.reason);
    if ((node as { kind?: string }).kind === 'unknown') reasons.add((node as { reason: string }).reason);
  }
  if (reports.length === 0) return undefined;
  return { textSpan: span, markdown: describeLayerContexts(reports, format, [...reasons]) };
}
