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

/**
 * Hint texts per analysis (so per program version) and settings, computed for the calls a
 * request covers and kept: a scroll or a repeated request reuses them, and an editor that
 * asks for the visible range pays only for the calls in it.
 */
const cache = new WeakMap<FileAnalysis, Map<string, Map<ts.CallExpression, string | null>>>();

export function provideShapeHints(
  tsModule: typeof import('typescript'),
  program: ts.Program,
  sourceFile: ts.SourceFile,
  span: ts.TextSpan,
  settings: ConvLensSettings,
): ts.InlayHint[] {
  if (!settings.hints) return [];
  const analysis = analyzeFile(tsModule, program, sourceFile);
  let perSettings = cache.get(analysis);
  if (perSettings === undefined) {
    perSettings = new Map();
    cache.set(analysis, perSettings);
  }
  const key = `${settings.shapeFormat}:${settings.showParamsInHints}`;
  let texts = perSettings.get(key);
  if (texts === undefined) {
    texts = new Map();
    perSettings.set(key, texts);
  }
  const hints: ts.InlayHint[] = [];
  const end = span.start + span.length;
  const { dslCalls, helperCalls } = analysis.evaluation.record;
  for (const calls of [dslCalls, helperCalls]) {
    for (const [call, nodes] of calls) {
      const position = call.getEnd();
      if (position < span.start || position > end || call.getSourceFile() !== analysis.sourceFile) continue;
      let text = texts.get(call);
      if (text === undefined) {
        text = hintText(analysis, nodes, settings) ?? null;
        texts.set(call, text);
      }
      if (text !== null) hints.push({ text, position, kind: tsModule.InlayHintKind.Type, whitespaceBefore: true });
    }
  }
  return hints.sort((a, b) => a.position - b.position);
}

/** `→ shape | shape …` for the objects one call returned, or undefined when none has a report. */
function hintText(analysis: FileAnalysis, nodes: readonly object[], settings: ConvLensSettings): string | undefined {
  const format = settings.shapeFormat;
  // Distinct shapes in order: the layers' outputs, then those of models and networks.
  const shapes = new Set<string>();
  const rootOutputs: string[] = [];
  const counts = new Set<number | null>();
  for (const node of nodes) {
    if (isRootNode(node)) {
      const root = analysis.roots.find((candidate) => candidate.evaluated.root === node);
      if (root !== undefined) rootOutputs.push(formatShape(root.analysis.output, format));
      continue;
    }
    // A GAN's generator or discriminator: the network's output.
    const network = analysis.networkOf(node);
    if (network !== undefined) rootOutputs.push(formatShape(network.output, format));
    for (const report of analysis.reportsOf(node)) {
      // The input node repeats what its call says; it gets no hint.
      if (report.node.kind === 'input') continue;
      shapes.add(formatShape(report.output, format));
      if (settings.showParamsInHints) counts.add(sumParams(report));
    }
  }
  for (const output of rootOutputs) shapes.add(output);
  if (shapes.size === 0) return undefined;
  const all = [...shapes];
  const shown = all.length > MAX_SHAPES_PER_HINT ? [...all.slice(0, MAX_SHAPES_PER_HINT), `… ${all.length - MAX_SHAPES_PER_HINT} more`] : all;
  let text = `→ ${shown.join(' | ')}`;
  if (counts.size === 1) {
    const [count] = counts;
    if (count !== undefined && count !== 0) text += ` · ${count === null ? '?' : formatCount(count)} params`;
  }
  return text;
}

function sumParams(report: LayerReport): number | null {
  const { trainable, nonTrainable } = report.params;
  return trainable === null || nonTrainable === null ? null : trainable + nonTrainable;
}
