/**
 * One file's evaluation plus the engine's analysis of every model in it, and the indexes
 * the editor features share: which reports belong to an IR object, where a node is in
 * the source. Cached per evaluation (so per program version).
 */
import type * as ts from 'typescript';
import { analyze, type Analysis, type LayerReport, type ModelAnalysis } from '../engine/index';
import {
  createSiteFinder,
  DEFAULT_LIMITS,
  evaluateFile,
  type EvaluatedRoot,
  type EvaluationLimits,
  type FileEvaluation,
  type SiteFinder,
  type SymbolicRoot,
  type Unknown,
} from '../evaluate/index';
import { collectParents } from '../ir/index';

/**
 * How long the editor lets ConvLens analyse one file (one version of it): past this the
 * evaluation stops where it stands (a cooperative deadline, checked every 1,024 steps),
 * the analysis is abandoned, and TypeScript's own answers stand until the next edit.
 * Two seconds is about a hundred times what ResNet-152's file takes and ten times the
 * 1,000-block benchmark model (bench/README.md); a file that needs more is one whose
 * hints would arrive too late to help while typing.
 */
export const EDITOR_TIME_BUDGET_MS = 2_000;

/**
 * The limits the editor evaluates with (the tsserver plugin; one object, so that its
 * evaluations are cached per program like the default ones). `convlens check` and
 * `convlens summary` keep DEFAULT_LIMITS, without a clock, so CI answers the same on any machine.
 */
export const EDITOR_LIMITS: EvaluationLimits = Object.freeze({ ...DEFAULT_LIMITS, timeBudgetMs: EDITOR_TIME_BUDGET_MS });

export interface AnalysedRoot {
  readonly evaluated: EvaluatedRoot;
  readonly analysis: Analysis;
}

/** A function nothing called, analysed with symbols for its parameters (FileEvaluation.symbolicRoots). */
export interface AnalysedHelper {
  readonly helper: SymbolicRoot;
  readonly analysis: Analysis;
}

export interface FileAnalysis {
  readonly sourceFile: ts.SourceFile;
  readonly evaluation: FileEvaluation;
  readonly roots: readonly AnalysedRoot[];
  /** The uncalled helpers' symbolic analyses: shapes for hints and hovers, findings for diagnostics. */
  readonly helpers: readonly AnalysedHelper[];
  /** The analysis of a model or GAN of the file, concrete or a helper's. */
  readonly analysisOf: (root: object) => Analysis | undefined;
  /** Every report of an IR object, over all models of the file (one object can sit in several). */
  readonly reportsOf: (node: object) => readonly LayerReport[];
  /** The IR object's nearest enclosing object (container, network or root) that was created in this file. */
  readonly locate: (node: object) => ts.Node | undefined;
  /** A GAN's generator or discriminator (the object passed to `gan`) as the network the engine analysed. */
  readonly networkOf: (node: object) => ModelAnalysis | undefined;
  /** Why the analysis was given up (its time budget ran out); then it has no roots, and editors show TypeScript's own answers. */
  readonly abandoned: Unknown | undefined;
}

const cache = new WeakMap<FileEvaluation, FileAnalysis>();

/**
 * The file's analysis, cached per evaluation (so per program version and limits object):
 * EDITOR_LIMITS in the editor, DEFAULT_LIMITS (no clock) elsewhere.
 */
export function analyzeFile(
  tsModule: typeof import('typescript'),
  program: ts.Program,
  sourceFile: ts.SourceFile,
  limits: EvaluationLimits = DEFAULT_LIMITS,
): FileAnalysis {
  const evaluation = evaluateFile(tsModule, program, sourceFile, limits);
  const cached = cache.get(evaluation);
  if (cached !== undefined) return cached;

  const roots = evaluation.roots.map((evaluated) => ({ evaluated, analysis: analyze(evaluated.root) }));
  const helpers = evaluation.symbolicRoots.map((helper) => ({ helper, analysis: analyze(helper.root) }));
  const analyses = [...roots, ...helpers].map(({ analysis: result }) => result);
  const byRoot = new Map<object, Analysis>(analyses.map((result) => [result.root, result]));
  const reports = new Map<object, LayerReport[]>();
  const networks = new Map<object, ModelAnalysis>();
  const addReports = (model: ModelAnalysis): void => {
    for (const report of model.layers) {
      const list = reports.get(report.node) ?? [];
      list.push(report);
      reports.set(report.node, list);
    }
  };
  for (const analysis of analyses) {
    if (analysis.kind === 'model') addReports(analysis);
    else {
      addReports(analysis.generator);
      addReports(analysis.discriminator);
      if (!networks.has(analysis.root.generator)) networks.set(analysis.root.generator, analysis.generator);
      if (!networks.has(analysis.root.discriminator)) networks.set(analysis.root.discriminator, analysis.discriminator);
    }
  }

  // Only diagnostics and fixes locate nodes: the links are made when first needed.
  let parentLinks: readonly WeakMap<object, object>[] | undefined;
  let findSite: SiteFinder | undefined;
  const parentOf = (node: object): object | undefined => {
    parentLinks ??= analyses.map((result) => collectParents(result.root));
    for (const links of parentLinks) {
      const parent = links.get(node);
      if (parent !== undefined) return parent;
    }
    return undefined;
  };
  const locate = (node: object): ts.Node | undefined => {
    findSite ??= createSiteFinder(sourceFile, program.getTypeChecker(), evaluation.record);
    for (let current: object | undefined = node; current !== undefined; current = parentOf(current)) {
      const site = findSite(current);
      if (site !== undefined) return site;
    }
    return undefined;
  };
  const analysis: FileAnalysis = {
    sourceFile,
    evaluation,
    roots,
    helpers,
    analysisOf: (root) => byRoot.get(root),
    reportsOf: (node) => reports.get(node) ?? [],
    locate,
    networkOf: (node) => networks.get(node),
    abandoned: evaluation.abandoned,
  };
  cache.set(evaluation, analysis);
  return analysis;
}

/**
 * What a site shows when its call also ran in a helper's symbolic evaluation: the concrete
 * objects where there are any (a helper called with numbers keeps its numbers); else those
 * of the evaluation of the helper the site is written in (not of a caller evaluated with
 * its own symbols); else all.
 */
export function preferConcrete<T>(items: readonly T[], nodeOf: (item: T) => object, symbolicNodes: ReadonlyMap<object, ts.Node>, site: ts.Node): readonly T[] {
  if (symbolicNodes.size === 0) return items;
  const concrete = items.filter((item) => !symbolicNodes.has(nodeOf(item)));
  if (concrete.length > 0 || items.length === 0) return concrete.length > 0 ? concrete : items;
  const own = items.filter((item) => {
    const owner = symbolicNodes.get(nodeOf(item));
    return owner !== undefined && owner.pos <= site.pos && site.end <= owner.end;
  });
  return own.length > 0 ? own : items;
}

/** The innermost call expression whose callee contains `position` (hovering `conv2d` in `conv2d(6, 5)`). */
export function findCallAtCallee(tsModule: typeof import('typescript'), sourceFile: ts.SourceFile, position: number): ts.CallExpression | undefined {
  // Pre-order over the nodes that contain the position, with an explicit stack rather than
  // recursion (calls nested hundreds deep make a deep tree); the last call whose callee
  // holds the position wins, the innermost.
  let found: ts.CallExpression | undefined;
  const pending: ts.Node[] = [sourceFile];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (position < node.getFullStart() || position > node.getEnd()) continue;
    if (tsModule.isCallExpression(node)) {
      const callee = node.expression;
      const name = tsModule.isPropertyAccessExpression(callee) ? callee.name : callee;
      if (position >= name.getStart(sourceFile) && position <= name.getEnd()) found = node;
    }
    const children: ts.Node[] = [];
    tsModule.forEachChild(node, (child) => {
      if (position >= child.getFullStart() && position <= child.getEnd()) children.push(child);
    });
    for (let index = children.length - 1; index >= 0; index -= 1) pending.push(children[index]!);
  }
  return found;
}

/** The span of a call's callee name (`conv2d` of `cl.conv2d(…)`), where squiggles and hovers go. */
export function calleeSpan(tsModule: typeof import('typescript'), node: ts.Node, sourceFile: ts.SourceFile): { start: number; length: number } {
  if (tsModule.isCallExpression(node)) {
    const callee = node.expression;
    const name = tsModule.isPropertyAccessExpression(callee) ? callee.name : callee;
    return { start: name.getStart(sourceFile), length: name.getEnd() - name.getStart(sourceFile) };
  }
  return { start: node.getStart(sourceFile), length: node.getEnd() - node.getStart(sourceFile) };
}
