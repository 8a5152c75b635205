/**
 * The exported models and GANs of a file as plain data for the editor's panels and
 * commands: a summary per export (the layer table with the line of each layer's call,
 * totals, findings) and the IR that training needs, with what stands in its way (error
 * findings, values static evaluation cannot know). Nothing here runs user code: the IR is
 * the static evaluator's.
 */
import type * as ts from 'typescript';
import { formatDim, formatShape, type Analysis, type Finding, type LayerReport, type ModelAnalysis, type ParamTotals, type ReceptiveField, type ShapeFormat } from '../engine/index';
import { firstUnknown, type EvaluationLimits } from '../evaluate/index';
import type { Num, RootNode } from '../ir/index';
import { analyzeFile, calleeSpan, type AnalysedRoot, type FileAnalysis } from './file-analysis';
import type { ConvLensSettings } from './settings';

export interface ModelSummaryRow {
  /** The engine's display name (`conv2d_1` or the user's `name`). */
  readonly name: string;
  readonly kind: string;
  /** Nesting depth: 0 for the model's own layers (a GAN's networks are rows of depth 0). */
  readonly depth: number;
  readonly container: boolean;
  readonly aux: boolean;
  /** The output shape in the settings' format, `?` for unknown dimensions. */
  readonly output: string;
  /** Trainable plus non-trainable; null when unknown. */
  readonly params: number | null;
  readonly macs: number | null;
  /** `size / jump` as `5×5 / 1`; null where the output is not spatial. */
  readonly receptiveField: string | null;
  /**
   * The same field as numbers per axis [height, width] — size, jump and the centre of unit 0
   * in input pixels (the engine's `ReceptiveField`) — for drawing it on the input; null where
   * the output is not spatial or a number is unknown.
   */
  readonly receptiveFieldGeometry?: ReceptiveFieldGeometry | null;
  /** 1-based line of the call in this file that created the layer; null when none did. */
  readonly line: number | null;
}

export interface ReceptiveFieldGeometry {
  readonly size: readonly [number, number];
  readonly jump: readonly [number, number];
  readonly start: readonly [number, number];
}

export interface ModelSummaryFinding {
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  readonly line: number | null;
}

export interface ModelSummary {
  readonly exportName: string;
  readonly kind: 'model' | 'gan';
  /** The name given to `model(…)` / `gan(…)`. */
  readonly name: string;
  readonly input: string;
  readonly output: string;
  readonly rows: readonly ModelSummaryRow[];
  readonly totals: {
    readonly trainable: number | null;
    readonly nonTrainable: number | null;
    readonly aux: number | null;
    readonly macs: number | null;
    readonly receptiveField: string | null;
  };
  readonly findings: readonly ModelSummaryFinding[];
}

export interface ExportedModel {
  readonly exportName: string;
  readonly kind: 'model' | 'gan';
  readonly name: string;
  /** Plain, JSON-serialisable IR, as the DSL would have returned it at run time. */
  readonly root: RootNode;
  /** Messages of the error findings; training refuses a model that has any. */
  readonly errors: readonly string[];
  /** Why part of the model is unknown to static evaluation (the first reason), else null. */
  readonly unknown: string | null;
}

/** Summaries of the file's exported models and GANs, in the order the file creates them. */
export function summarizeExportedModels(
  tsModule: typeof import('typescript'),
  program: ts.Program,
  sourceFile: ts.SourceFile,
  settings: ConvLensSettings,
  limits?: EvaluationLimits,
): ModelSummary[] {
  const analysis = analyzeFile(tsModule, program, sourceFile, limits);
  const lineOf = (node: object): number | null => {
    const site = analysis.locate(node);
    if (site === undefined) return null;
    return sourceFile.getLineAndCharacterOfPosition(calleeSpan(tsModule, site, sourceFile).start).line + 1;
  };
  return exportedRoots(analysis).map((root) => toSummary(root, settings.shapeFormat, lineOf));
}

/** The IR of one export, with what would stop training it; undefined when the file exports no such model. */
export function findExportedModel(
  tsModule: typeof import('typescript'),
  program: ts.Program,
  sourceFile: ts.SourceFile,
  exportName: string,
  limits?: EvaluationLimits,
): ExportedModel | undefined {
  const analysis = analyzeFile(tsModule, program, sourceFile, limits);
  const found = exportedRoots(analysis).find((root) => root.evaluated.exportName === exportName);
  // An export typed as a model that could not be evaluated has no IR to train either.
  if (found === undefined) return undefined;
  const root = found.evaluated.root;
  return {
    exportName,
    kind: root.kind,
    name: root.name,
    root,
    errors: found.analysis.findings.filter((finding) => finding.severity === 'error').map((finding) => finding.message),
    unknown: firstUnknown(root, analysis.evaluation.record)?.reason ?? null,
  };
}

function exportedRoots(analysis: FileAnalysis): AnalysedRoot[] {
  return analysis.roots.filter((root) => root.evaluated.exportName !== null);
}

function toSummary(analysed: AnalysedRoot, format: ShapeFormat, lineOf: (node: object) => number | null): ModelSummary {
  const { evaluated, analysis } = analysed;
  return summarizeAnalysis(evaluated.exportName ?? analysis.name, analysis, format, lineOf);
}

/**
 * The summary of an analysed model or GAN, wherever its IR came from (the CLI's `--diagram`
 * uses it on IR it evaluated or ran); `lineOf` gives the line of the call that made a node.
 */
export function summarizeAnalysis(exportName: string, analysis: Analysis, format: ShapeFormat, lineOf: (node: object) => number | null): ModelSummary {
  const toFinding = (finding: Finding): ModelSummaryFinding => ({ code: finding.code, severity: finding.severity, message: finding.message, line: lineOf(finding.node) });
  const base = { exportName, name: analysis.name, findings: analysis.findings.map(toFinding) };
  if (analysis.kind === 'model') {
    return {
      ...base,
      kind: 'model',
      input: formatShape(analysis.input, format),
      output: formatShape(analysis.output, format),
      rows: toRows(analysis, 0, format, lineOf),
      totals: { ...knownTotals(analysis.params), macs: known(analysis.macs), receptiveField: toReceptiveFieldText(analysis.receptiveField) },
    };
  }
  // A GAN: each network is a row of depth 0 with its layers below it.
  const networkRow = (name: string, network: ModelAnalysis, node: object): ModelSummaryRow => ({
    name,
    kind: 'model',
    depth: 0,
    container: true,
    aux: false,
    output: formatShape(network.output, format),
    params: addKnown(network.params.trainable, network.params.nonTrainable),
    macs: known(network.macs),
    receptiveField: toReceptiveFieldText(network.receptiveField),
    line: lineOf(node),
  });
  return {
    ...base,
    kind: 'gan',
    input: formatShape(analysis.input, format),
    output: formatShape(analysis.output, format),
    rows: [
      networkRow('generator', analysis.generator, analysis.root.generator),
      ...toRows(analysis.generator, 1, format, lineOf),
      networkRow('discriminator', analysis.discriminator, analysis.root.discriminator),
      ...toRows(analysis.discriminator, 1, format, lineOf),
    ],
    totals: { ...knownTotals(analysis.params), macs: known(analysis.macs), receptiveField: null },
  };
}

/** Every layer but the input (the summary's `input` says it), containers before their children. */
function toRows(analysis: ModelAnalysis, depthOffset: number, format: ShapeFormat, lineOf: (node: object) => number | null): ModelSummaryRow[] {
  return analysis.layers
    .filter((report) => report.node.kind !== 'input')
    .map((report: LayerReport) => ({
      name: report.name,
      kind: report.node.kind,
      depth: report.depth + depthOffset,
      container: report.container,
      aux: report.aux,
      output: formatShape(report.output, format),
      params: addKnown(report.params.trainable, report.params.nonTrainable),
      macs: known(report.macs),
      receptiveField: toReceptiveFieldText(report.receptiveField),
      receptiveFieldGeometry: toReceptiveFieldGeometry(report.receptiveField),
      line: lineOf(report.node),
    }));
}

/** The engine's field as plain numbers; null when any is not a known finite number. */
export function toReceptiveFieldGeometry(field: ReceptiveField | null): ReceptiveFieldGeometry | null {
  if (field === null) return null;
  const pair = (values: readonly [Num, Num]): [number, number] | null => {
    const [height, width] = values;
    return typeof height === 'number' && typeof width === 'number' && Number.isFinite(height) && Number.isFinite(width) ? [height, width] : null;
  };
  const size = pair(field.size);
  const jump = pair(field.jump);
  const start = pair(field.start);
  return size === null || jump === null || start === null ? null : { size, jump, start };
}

/** `11×11 / 4`: the field's size and its jump (the effective stride), one number when both axes agree. */
export function toReceptiveFieldText(field: ReceptiveField | null): string | null {
  if (field === null) return null;
  const pair = ([height, width]: readonly [Num, Num]): string => (height === width ? formatNum(height) : `${formatNum(height)}×${formatNum(width)}`);
  const [height, width] = field.size;
  return `${formatNum(height)}×${formatNum(width)} / ${pair(field.jump)}`;
}

function formatNum(value: Num): string {
  return formatDim(value);
}

/**
 * A number the summary can carry: exported models are evaluated with numbers, so a symbolic
 * one (never expected there) is shown as unknown rather than sent as an object.
 */
function known(value: Num): number | null {
  return typeof value === 'number' ? value : null;
}

function knownTotals(params: ParamTotals): { trainable: number | null; nonTrainable: number | null; aux: number | null } {
  return { trainable: known(params.trainable), nonTrainable: known(params.nonTrainable), aux: known(params.aux) };
}

function addKnown(a: Num, b: Num): number | null {
  return typeof a === 'number' && typeof b === 'number' ? a + b : null;
}
