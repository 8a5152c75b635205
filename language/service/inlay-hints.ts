/**
 * Shape hints: after each layer call its output shape (`→ 6@28×28`), after a helper call
 * the block's output, after a layer named by a reference where it is used (`model(…, a, b)`,
 * `sequential(stem, ...stages)`) that layer's output there, and every distinct shape when
 * one call site or use is evaluated in several contexts (a helper called per stage, a loop).
 */
import type * as ts from 'typescript';
import { formatCount, formatShape, sum, type LayerReport, type ModelAnalysis } from '../engine/index';
import type { EvaluationLimits, LayerReference } from '../evaluate/index';
import { isRootNode, type AnyNode } from '../ir/index';
import { analyzeFile, preferConcrete, type FileAnalysis } from './file-analysis';
import type { ConvLensSettings } from './settings';

/** More distinct shapes than this at one call site are summarised. */
const MAX_SHAPES_PER_HINT = 4;

interface HintSite {
  /** The call, or the argument that names a layer (`a`, `blocks.stem`, `stages[0]`, `...stages`). */
  readonly node: ts.Node;
  readonly position: number;
  /** A call's: every IR object it returned. */
  readonly nodes?: readonly object[];
  /** A reference's: every place the layer it names went. */
  readonly references?: readonly LayerReference[];
}

interface HintCache {
  /** This file's DSL and helper calls and layer references in source order, so a range request touches only its own. */
  readonly sites: readonly HintSite[];
  /** Hint texts per settings key, computed for the sites a request covers and kept. */
  readonly texts: Map<string, Map<ts.Node, string | null>>;
  /** Where each container a reference was passed to sits in the analysed models; made when first needed. */
  places?: PlaceIndex;
}

/**
 * Per analysis (so per program version): a scroll or a repeated request reuses the texts,
 * and an editor that asks for the visible range pays only for the sites in it.
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
  const hintCache = cached;
  const key = `${settings.shapeFormat}:${settings.showParamsInHints}`;
  const texts = hintCache.texts.get(key) ?? new Map<ts.Node, string | null>();
  hintCache.texts.set(key, texts);
  const { sites } = hintCache;
  const textOf = (site: HintSite): string | null => {
    let text = texts.get(site.node);
    if (text === undefined) {
      const symbolicNodes = analysis.evaluation.record.symbolicNodes;
      if (site.nodes !== undefined) text = hintText(analysis, preferConcrete(site.nodes, (node) => node, symbolicNodes, site.node), settings) ?? null;
      else {
        hintCache.places ??= indexPlaces(analysis, sites);
        const references = preferConcrete(site.references ?? [], (reference) => reference.parent, symbolicNodes, site.node);
        text = shapesText(reportsAtReferences(hintCache.places, references), [], settings) ?? null;
      }
      texts.set(site.node, text);
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
  const { dslCalls, helperCalls, layerReferences } = analysis.evaluation.record;
  const sites: HintSite[] = [];
  const taken = new Set<number>();
  for (const calls of [dslCalls, helperCalls]) {
    for (const [call, nodes] of calls) {
      if (call.getSourceFile() !== analysis.sourceFile) continue;
      sites.push({ node: call, position: call.getEnd(), nodes });
      taken.add(call.getEnd());
    }
  }
  // A reference's hint never doubles one already at its place (a call's, or another reference's).
  for (const [expression, references] of layerReferences) {
    if (expression.getSourceFile() !== analysis.sourceFile) continue;
    const position = expression.getEnd();
    if (taken.has(position)) continue;
    taken.add(position);
    sites.push({ node: expression, position, references });
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
  const reports: LayerReport[] = [];
  const rootOutputs: string[] = [];
  for (const node of nodes) {
    if (isRootNode(node)) {
      const root = analysis.analysisOf(node);
      if (root !== undefined) rootOutputs.push(formatShape(root.output, format));
      continue;
    }
    // A GAN's generator or discriminator: the network's output.
    const network = analysis.networkOf(node);
    if (network !== undefined) rootOutputs.push(formatShape(network.output, format));
    for (const report of analysis.reportsOf(node)) reports.push(report);
  }
  return shapesText(reports, rootOutputs, settings);
}

/** `→ shape | shape …` over the reports' distinct outputs, then the roots' (or undefined when there are none). */
function shapesText(reports: readonly LayerReport[], rootOutputs: readonly string[], settings: ConvLensSettings): string | undefined {
  const format = settings.shapeFormat;
  const shapes = new Set<string>();
  const counts = new Set<string>();
  for (const report of reports) {
    // The input node repeats what its call says; it gets no hint.
    if (report.node.kind === 'input') continue;
    shapes.add(formatShape(report.output, format));
    if (settings.showParamsInHints) counts.add(sumParams(report));
  }
  for (const output of rootOutputs) shapes.add(output);
  if (shapes.size === 0) return undefined;
  const all = [...shapes];
  const shown = all.length > MAX_SHAPES_PER_HINT ? [...all.slice(0, MAX_SHAPES_PER_HINT), `… ${all.length - MAX_SHAPES_PER_HINT} more`] : all;
  let text = `→ ${shown.join(' | ')}`;
  if (counts.size === 1) {
    const [count] = counts;
    if (count !== undefined && count !== '0') text += ` · ${count} params`;
  }
  return text;
}

/**
 * Where a model or container sits in the file's analysed networks: the network, and the
 * report path of the container (undefined for the network's own list: a model, or a GAN's
 * sequential generator or discriminator, whose layers are the network's).
 */
interface Place {
  readonly network: ModelAnalysis;
  readonly path: string | undefined;
}

interface PlaceIndex {
  /** Every place of each object a reference was passed to. */
  readonly places: Map<object, Place[]>;
  /** Each network's reports by path, for the networks that hold such a place; made when first needed. */
  readonly byPath: Map<ModelAnalysis, Map<string, LayerReport>>;
}

/**
 * The places of the parents the file's references were passed to: one pass over the
 * reports of every analysed network, whatever the number of references.
 */
function indexPlaces(analysis: FileAnalysis, sites: readonly HintSite[]): PlaceIndex {
  const parents = new Set<object>();
  for (const site of sites) for (const reference of site.references ?? []) parents.add(reference.parent);
  const places = new Map<object, Place[]>();
  const add = (node: object, place: Place): void => {
    const list = places.get(node);
    if (list === undefined) places.set(node, [place]);
    else list.push(place);
  };
  const scan = (network: ModelAnalysis): void => {
    for (const report of network.layers) if (parents.has(report.node)) add(report.node, { network, path: report.path });
  };
  for (const { analysis: result } of [...analysis.roots, ...analysis.helpers]) {
    if (result.kind === 'model') {
      if (parents.has(result.root)) add(result.root, { network: result, path: undefined });
      scan(result);
      continue;
    }
    for (const [node, network] of [[result.root.generator, result.generator], [result.root.discriminator, result.discriminator]] as const) {
      // A sequential network is analysed as its list of layers (its own object has no report).
      if (node.kind === 'sequential' && parents.has(node)) add(node, { network, path: undefined });
      scan(network);
    }
  }
  return { places, byPath: new Map() };
}

/** The report of what each reference became, in each place its parent sits. */
function reportsAtReferences(index: PlaceIndex, references: readonly LayerReference[]): LayerReport[] {
  const reports: LayerReport[] = [];
  for (const { parent, child } of references) {
    const segment = childSegment(parent as AnyNode, child);
    if (segment === undefined) continue;
    for (const { network, path } of index.places.get(parent) ?? []) {
      let byPath = index.byPath.get(network);
      if (byPath === undefined) {
        byPath = new Map(network.layers.map((report) => [report.path, report]));
        index.byPath.set(network, byPath);
      }
      const report = byPath.get(path === undefined ? segment : `${path}.${segment}`);
      if (report !== undefined) reports.push(report);
    }
  }
  return reports;
}

/** The last part of a child's report path (LayerReport.path) for the index of `childrenOf(parent)` it has. */
function childSegment(parent: AnyNode, child: number): string | undefined {
  switch (parent.kind) {
    case 'model':
      return child >= 1 ? String(child - 1) : undefined;
    case 'sequential':
    case 'concat':
      return String(child);
    case 'residual':
      return child === 0 ? 'main' : child === 1 ? 'shortcut' : undefined;
    case 'aux':
      return child === 0 ? 'head' : undefined;
    default:
      return undefined;
  }
}

/** The layer's parameters as text (a count, or an expression over a helper's parameters). */
function sumParams(report: LayerReport): string {
  return formatCount(sum(report.params.trainable, report.params.nonTrainable));
}
