/**
 * Shape hints: after each layer call its output shape (`→ 6@28×28`), after a helper call
 * the block's output, every distinct shape when one call site is evaluated in several
 * contexts (a helper called per stage, a loop).
 */
import type * as ts from 'typescript';
import { formatCount, formatShape, type LayerReport } from '../engine/index';
import type { EvaluationLimits } from '../evaluate/index';
import { isRootNode } from '../ir/index';
import { analyzeFile, type FileAnalysis } from './file-analysis';
import type { ConvLensSettings } from './settings';

/** More distinct shapes than this at one call site are summarised. */
const MAX_SHAPES_PER_HINT = 4;

interface HintSite {
  readonly call: ts.CallExpression;
  readonly position: number;
  readonly nodes: readonly object[];
}

interface HintCache {
  /** This file's DSL and helper calls in source order, so a range request touches only its own. */
  readonly sites: readonly HintSite[];
  /** Hint texts per settings key, computed for the calls a request covers and kept. */
  readonly texts: Map<string, Map<ts.CallExpression, string | null>>;
}

/**
 * Per analysis (so per program version): a scroll or a repeated request reuses the texts,
 * and an editor that asks for the visible range pays only for the calls in it.
 */
const cache = new WeakMap<FileAnalysis, HintCache>();

export function provideShapeHints(
  tsModule: typeof import('typescript'),
  program: ts.Program,
  sourceFile: ts.SourceFile,
  span: ts.TextSpan,
  settings: ConvLensSettings,
  limits?: EvaluationLimits,
): ts.InlayHint[] {
  if (!settings.hints) return [];
  const analysis = analyzeFile(tsModule, program, sourceFile, limits);
  if (analysis.abandoned !== undefined) return [];
  let cached = cache.get(analysis);
  if (cached === undefined) {
    cached = { sites: collectSites(analysis), texts: new Map() };
    cache.set(analysis, cached);
  }
  const key = `${settings.shapeFormat}:${settings.showParamsInHints}`;
  const texts = cached.texts.get(key) ?? new Map<ts.CallExpression, string | null>();
  cached.texts.set(key, texts);
  const { sites } = cached;
  const textOf = (site: HintSite): string | null => {
    let text = texts.get(site.call);
    if (text === undefined) {
      text = hintText(analysis, site.nodes, settings) ?? null;
      texts.set(site.call, text);
    }
    return text;
  };
  const hints: ts.InlayHint[] = [];
  const end = span.start + span.length;
  for (let index = firstSiteAtOrAfter(sites, span.start); index < sites.length; index += 1) {
    const site = sites[index]!;
    if (site.position > end) break;
    const text = textOf(site);
    if (text === null) continue;
    hints.push({ text, position: site.position, kind: tsModule.InlayHintKind.Type, whitespaceBefore: true });
  }
  return hints;
}

function collectSites(analysis: FileAnalysis): HintSite[] {
  const { dslCalls, helperCalls } = analysis.evaluation.record;
  const sites: HintSite[] = [];
  for (const calls of [dslCalls, helperCalls]) {
    for (const [call, nodes] of calls) {
      if (call.getSourceFile() === analysis.sourceFile) sites.push({ call, position: call.getEnd(), nodes });
    }
  }
  return sites.sort((a, b) => a.position - b.position);
}

/** Binary search: the index of the first site whose position is at or after `position`. */
function firstSiteAtOrAfter(sites: readonly HintSite[], position: number): number {
  let low = 0;
  let high = sites.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sites[middle]!.position < position) low = middle + 1;
    else high = middle;
  }
  return low;
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
