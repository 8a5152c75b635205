/**
 * `convlens summary --json`: the engine's analysis as plain JSON. Pure: it does not know
 * whether the IR came from running the file or from static evaluation; `locate` supplies
 * each node's position either way.
 */
import type { Num, Shape } from '../language/ir/index';
import { sum, type Analysis, type Finding, type GanAnalysis, type ModelAnalysis, type Severity } from '../language/engine/index';
import { createFindingLocator } from './finding-location';
import type { Locate, SourceLocation } from './source-location';

export interface SummaryJson {
  readonly models: readonly (ModelSummaryJson | GanSummaryJson)[];
}

/** One network: a model, or a GAN's generator or discriminator. */
export interface NetworkSummaryJson {
  readonly name: string;
  readonly kind: 'model';
  readonly input: Num[];
  readonly output: Num[] | null;
  readonly params: ParamsJson;
  /** Per-sample inference MACs, auxiliary heads excluded. */
  readonly macs: Num;
  readonly receptiveField: ReceptiveFieldJson | null;
  /** Leaf layers only (no containers, no input) in execution order. */
  readonly layers: readonly LayerJson[];
  readonly diagnostics: readonly DiagnosticJson[];
}

export interface ModelSummaryJson extends NetworkSummaryJson {
  readonly export: string;
}

export interface GanSummaryJson {
  readonly export: string;
  readonly name: string;
  readonly kind: 'gan';
  /** [latent]. */
  readonly input: Num[];
  /** The generator's output. */
  readonly output: Num[] | null;
  /** Generator plus discriminator. */
  readonly params: ParamsJson;
  /** Generator plus discriminator, per sample. */
  readonly macs: Num;
  readonly generator: NetworkSummaryJson;
  readonly discriminator: NetworkSummaryJson;
  /** Findings of both networks and of how they fit together. */
  readonly diagnostics: readonly DiagnosticJson[];
}

export interface ParamsJson {
  readonly trainable: Num;
  readonly nonTrainable: Num;
  /** The auxiliary heads' share of `trainable`. */
  readonly aux: Num;
}

export interface ReceptiveFieldJson {
  readonly size: Num[];
  readonly jump: Num[];
  readonly start: Num[];
}

export interface LayerJson {
  readonly kind: string;
  readonly name: string;
  readonly input: Num[] | null;
  readonly output: Num[] | null;
  /** Trainable plus non-trainable; null when either is unknown. */
  readonly params: Num;
  readonly macs: Num;
  /** 1-based line of the DSL call that created the layer; null when unknown. */
  readonly line: number | null;
  /** True inside an auxiliary head. */
  readonly aux: boolean;
}

export interface DiagnosticJson {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly line: number | null;
  readonly column: number | null;
}

/** An analysed root together with the name it is exported under. */
export interface ExportedAnalysis {
  readonly exportName: string;
  readonly analysis: Analysis;
}

export function toSummaryJson(entries: readonly ExportedAnalysis[], locate: Locate): SummaryJson {
  return {
    models: entries.map(({ exportName, analysis }) =>
      analysis.kind === 'gan' ? toGanJson(exportName, analysis, locate) : { export: exportName, ...toNetworkJson(analysis, locate) },
    ),
  };
}

function toGanJson(exportName: string, analysis: GanAnalysis, locate: Locate): GanSummaryJson {
  const locateFinding = createFindingLocator(analysis.root, locate);
  return {
    export: exportName,
    name: analysis.name,
    kind: 'gan',
    input: [...analysis.input],
    output: toShapeJson(analysis.output),
    params: toParamsJson(analysis.params),
    macs: analysis.macs,
    generator: toNetworkJson(analysis.generator, locate),
    discriminator: toNetworkJson(analysis.discriminator, locate),
    diagnostics: analysis.findings.map((finding) => toDiagnosticJson(finding, locateFinding(finding))),
  };
}

function toNetworkJson(analysis: ModelAnalysis, locate: Locate): NetworkSummaryJson {
  const locateFinding = createFindingLocator(analysis.root, locate);
  const leaves = analysis.layers.filter((report) => !report.container && report.node.kind !== 'input');
  return {
    name: analysis.name,
    kind: 'model',
    input: [...analysis.input],
    output: toShapeJson(analysis.output),
    params: toParamsJson(analysis.params),
    macs: analysis.macs,
    receptiveField:
      analysis.receptiveField === null
        ? null
        : {
            size: [...analysis.receptiveField.size],
            jump: [...analysis.receptiveField.jump],
            start: [...analysis.receptiveField.start],
          },
    layers: leaves.map((report) => ({
      kind: report.node.kind,
      name: report.name,
      input: toShapeJson(report.input),
      output: toShapeJson(report.output),
      params: addKnown(report.params.trainable, report.params.nonTrainable),
      macs: report.macs,
      line: locate(report.node)?.line ?? null,
      aux: report.aux,
    })),
    diagnostics: analysis.findings.map((finding) => toDiagnosticJson(finding, locateFinding(finding))),
  };
}

function toParamsJson(params: ParamsJson): ParamsJson {
  return { trainable: params.trainable, nonTrainable: params.nonTrainable, aux: params.aux };
}

function toDiagnosticJson(finding: Finding, location: SourceLocation | null): DiagnosticJson {
  return {
    code: finding.code,
    severity: finding.severity,
    message: finding.message,
    line: location?.line ?? null,
    column: location?.column ?? null,
  };
}

function toShapeJson(shape: Shape | null): Num[] | null {
  return shape === null ? null : [...shape];
}

/**
 * JSON.stringify with two-space indentation, except that arrays of numbers (shapes,
 * receptive fields) stay on one line: `"output": [6, 28, 28]`. A string can never hold a
 * raw newline in JSON, so only real arrays match.
 */
export function stringifySummaryJson(summary: SummaryJson): string {
  return JSON.stringify(summary, null, 2).replace(
    /\[\n\s*((?:-?[\d.eE+-]+|null)(?:,\n\s*(?:-?[\d.eE+-]+|null))*)\n\s*\]/g,
    (_array, items: string) => `[${items.split(/,\n\s*/).join(', ')}]`,
  );
}

/** a + b, unknown when either is. */
export function addKnown(a: Num, b: Num): Num {
  return sum(a, b);
}
