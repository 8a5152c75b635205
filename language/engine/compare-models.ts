/**
 * Two models side by side, stage by stage: parameters, MACs, activation memory and the
 * receptive field reached, with the differences. A stage is the layers working at one
 * spatial resolution (every leaf layer whose output is H×W), so that models of different
 * structure — VGG's blocks, ResNet's stages, one 5×5 convolution or two 3×3 — line up by
 * what they compute on. Vectors (after flatten or global pooling) are the `head` stage.
 * Aux heads are left out (training only), as the model's MACs leave them out.
 */
import type { Num } from '../ir';
import { formatBytes, formatCount, formatScaled } from './format';
import type { LayerReport, ModelAnalysis } from './types';

/** Bytes per activation value (float32). */
const BYTES_PER_VALUE = 4;

export interface StageFigures {
  /** Leaf layers in the stage. */
  readonly layers: number;
  /** Trainable parameters (what PyTorch's numel and the published tables count). */
  readonly params: number | null;
  readonly macs: number | null;
  /** The stage's layer outputs for one sample, float32. */
  readonly activationBytes: number | null;
  /** Receptive field size [height, width] at the stage's last layer; null where none is known. */
  readonly receptiveField: readonly [number, number] | null;
}

export interface StageComparison {
  /** `56×56`, `head` (vectors), `?` (unknown size). */
  readonly stage: string;
  /** null: the model has no layer at this resolution. */
  readonly a: StageFigures | null;
  readonly b: StageFigures | null;
}

export interface ModelComparison {
  readonly a: string;
  readonly b: string;
  /** From the largest resolution to the smallest, then `head`, then `?`. */
  readonly stages: readonly StageComparison[];
  readonly totals: { readonly a: StageFigures; readonly b: StageFigures };
}

export function compareModels(a: ModelAnalysis, b: ModelAnalysis): ModelComparison {
  const stagesA = stagesOf(a);
  const stagesB = stagesOf(b);
  const keys = [...new Set([...stagesA.keys(), ...stagesB.keys()])].sort((x, y) => stageOrder(y) - stageOrder(x));
  return {
    a: a.name,
    b: b.name,
    stages: keys.map((stage) => ({ stage, a: stagesA.get(stage) ?? null, b: stagesB.get(stage) ?? null })),
    totals: { a: totalOf(a, [...stagesA.values()]), b: totalOf(b, [...stagesB.values()]) },
  };
}

/** The difference b − a; null when either is unknown. */
export function difference(a: number | null | undefined, b: number | null | undefined): number | null {
  return typeof a === 'number' && typeof b === 'number' ? b - a : null;
}

/** A stage key's order: its pixel count; the head after every image, unknown sizes last. */
function stageOrder(stage: string): number {
  if (stage === 'head') return 0;
  if (stage === '?') return -1;
  const [height, width] = stage.split('×').map(Number);
  return (height ?? 0) * (width ?? 0);
}

function known(value: Num): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function addNullable(total: number | null, value: number | null): number | null {
  return total === null || value === null ? null : total + value;
}

function stageKey(report: LayerReport): string {
  const output = report.output;
  if (output === null) return '?';
  if (output.length === 1) return 'head';
  if (output.length !== 3) return '?';
  const height = known(output[1]!);
  const width = known(output[2]!);
  return height === null || width === null ? '?' : `${height}×${width}`;
}

function stagesOf(analysis: ModelAnalysis): Map<string, StageFigures> {
  const stages = new Map<string, StageFigures>();
  for (const report of analysis.layers) {
    if (report.container || report.aux || report.node.kind === 'input') continue;
    const key = stageKey(report);
    const before = stages.get(key) ?? { layers: 0, params: 0, macs: 0, activationBytes: 0, receptiveField: null };
    const trainable = known(report.params.trainable);
    const activations = known(report.activations);
    const field = report.receptiveField;
    const size = field === null ? null : ([known(field.size[0]), known(field.size[1])] as const);
    stages.set(key, {
      layers: before.layers + 1,
      params: addNullable(before.params, trainable),
      macs: addNullable(before.macs, known(report.macs)),
      activationBytes: addNullable(before.activationBytes, activations === null ? null : activations * BYTES_PER_VALUE),
      // Execution order: the stage's last layer with a field has the field the stage reaches.
      receptiveField: size !== null && size[0] !== null && size[1] !== null ? [size[0], size[1]] : before.receptiveField,
    });
  }
  return stages;
}

function totalOf(analysis: ModelAnalysis, stages: readonly StageFigures[]): StageFigures {
  let total: StageFigures = { layers: 0, params: 0, macs: 0, activationBytes: 0, receptiveField: null };
  for (const stage of stages) {
    total = {
      layers: total.layers + stage.layers,
      params: addNullable(total.params, stage.params),
      macs: addNullable(total.macs, stage.macs),
      activationBytes: addNullable(total.activationBytes, stage.activationBytes),
      receptiveField: null,
    };
  }
  const field = analysis.receptiveField;
  const height = field === null ? null : known(field.size[0]);
  const width = field === null ? null : known(field.size[1]);
  return { ...total, receptiveField: height === null || width === null ? null : [height, width] };
}

/** One line of the comparison as text cells: what the CLI prints and the editor shows. */
export interface ComparisonTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/**
 * The comparison as cells: per stage (and the totals) parameters, MACs, activation memory
 * and receptive field of A and B, and B − A (`+1,234`, `−56`; `=` when equal).
 */
export function toComparisonTable(comparison: ModelComparison): ComparisonTable {
  const header = ['stage', 'layers A / B', 'params A', 'params B', 'Δ params', 'MACs A', 'MACs B', 'Δ MACs', 'activations A', 'activations B', 'Δ activations', 'RF A', 'RF B'];
  const row = (stage: string, a: StageFigures | null, b: StageFigures | null): string[] => [
    stage,
    `${a?.layers ?? 0} / ${b?.layers ?? 0}`,
    cell(a, 'params', formatCount),
    cell(b, 'params', formatCount),
    signed(a?.params ?? (a === null ? 0 : null), b?.params ?? (b === null ? 0 : null), formatCount),
    cell(a, 'macs', formatScaled),
    cell(b, 'macs', formatScaled),
    signed(a?.macs ?? (a === null ? 0 : null), b?.macs ?? (b === null ? 0 : null), formatScaled),
    cell(a, 'activationBytes', formatBytes),
    cell(b, 'activationBytes', formatBytes),
    signed(a?.activationBytes ?? (a === null ? 0 : null), b?.activationBytes ?? (b === null ? 0 : null), formatBytes),
    fieldText(a),
    fieldText(b),
  ];
  return {
    header,
    rows: [...comparison.stages.map(({ stage, a, b }) => row(stage, a, b)), row('total', comparison.totals.a, comparison.totals.b)],
  };
}

type Figure = 'params' | 'macs' | 'activationBytes';

function cell(figures: StageFigures | null, figure: Figure, format: (value: Num) => string): string {
  if (figures === null) return '—';
  return format(figures[figure]);
}

function signed(a: number | null, b: number | null, format: (value: Num) => string): string {
  const delta = difference(a, b);
  if (delta === null) return '?';
  if (delta === 0) return '=';
  return `${delta > 0 ? '+' : '−'}${format(Math.abs(delta))}`;
}

function fieldText(figures: StageFigures | null): string {
  if (figures === null) return '—';
  const field = figures.receptiveField;
  if (field === null) return '—';
  return field[0] === field[1] ? String(field[0]) : `${field[0]}×${field[1]}`;
}
