/**
 * One file's evaluation plus the engine's analysis of every model in it, and the indexes
 * the editor features share: which reports belong to an IR object, where a node is in
 * the source. Cached per evaluation (so per program version).
 */
import type * as ts from 'typescript';
import { analyze, type Analysis, type LayerReport, type ModelAnalysis } from '../engine/index';
import { createSiteFinder, evaluateFile, type EvaluatedRoot, type FileEvaluation, type SiteFinder } from '../evaluate/index';
import { collectParents } from '../ir/index';

export interface AnalysedRoot {
  readonly evaluated: EvaluatedRoot;
  readonly analysis: Analysis;
}

export interface FileAnalysis {
  readonly sourceFile: ts.SourceFile;
  readonly evaluation: FileEvaluation;
  readonly roots: readonly AnalysedRoot[];
  /** Every report of an IR object, over all models of the file (one object can sit in several). */
  readonly reportsOf: (node: object) => readonly LayerReport[];
  /** The IR object's nearest enclosing object (container, network or root) that was created in this file. */
  readonly locate: (node: object) => ts.Node | undefined;
  /** A GAN's generator or discriminator (the object passed to `gan`) as the network the engine analysed. */
  readonly networkOf: (node: object) => ModelAnalysis | undefined;
}

const cache = new WeakMap<FileEvaluation, FileAnalysis>();

export function analyzeFile(tsModule: typeof import('typescript'), program: ts.Program, sourceFile: ts.SourceFile): FileAnalysis {
  const evaluation = evaluateFile(tsModule, program, sourceFile);
  const cached = cache.get(evaluation);
  if (cached !== undefined) return cached;

  const roots = evaluation.roots.map((evaluated) => ({ evaluated, analysis: analyze(evaluated.root) }));
  const reports = new Map<object, LayerReport[]>();
  const networks = new Map<object, ModelAnalysis>();
  const addReports = (model: ModelAnalysis): void => {
    for (const report of model.layers) {
      const list = reports.get(report.node) ?? [];
      list.push(report);
      reports.set(report.node, list);
    }
  };
  for (const { analysis } of roots) {
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
    parentLinks ??= roots.map(({ analysis: result }) => collectParents(result.root));
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
    reportsOf: (node) => reports.get(node) ?? [],
    locate,
    networkOf: (node) => networks.get(node),
  };
  cache.set(evaluation, analysis);
  return analysis;
}

/** The innermost call expression whose callee contains `position` (hovering `conv2d` in `conv2d(6, 5)`). */
export function findCallAtCallee(tsModule: typeof import('typescript'), sourceFile: ts.SourceFile, position: number): ts.CallExpression | undefined {
  let found: ts.CallExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (position < node.getFullStart() || position > node.getEnd()) return;
    if (tsModule.isCallExpression(node)) {
      const callee = node.expression;
      const name = tsModule.isPropertyAccessExpression(callee) ? callee.name : callee;
      if (position >= name.getStart(sourceFile) && position <= name.getEnd()) found = node;
    }
    tsModule.forEachChild(node, visit);
  };
  visit(sourceFile);
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
