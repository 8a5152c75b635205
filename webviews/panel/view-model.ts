/**
 * Pure derivations from the panel state to what the tabs draw (no DOM; unit-tested in
 * Node): the curves of the Training tab, overall progress, confusion-matrix shares and
 * which tabs a panel offers.
 */
import type { PanelTab } from '../protocol';
import type { ChartSpec, Point, SeriesSpec } from './scale';
import type { PanelState, Progress, TrainingState } from './state';

export type CurveSpec = Omit<ChartSpec, 'width' | 'height'>;

/** Loss curves: per-epoch points with markers, the running epoch as a thinner live trace. */
export function lossCurves(training: TrainingState): CurveSpec {
  const gan = training.kind === 'gan';
  const history = training.history;
  const last = history[history.length - 1];
  const liveStart: Point[] = last === undefined ? [] : [{ x: last.epoch, y: last.loss }];
  const series: SeriesSpec[] = [
    { id: 'train', label: gan ? 'discriminator' : 'train', colour: '--cl-train', markers: true, points: history.map((entry) => ({ x: entry.epoch, y: entry.loss })) },
    { id: 'train-live', label: gan ? 'discriminator (this epoch)' : 'train (this epoch)', colour: '--cl-train', lineWidth: 1.25, points: [...liveStart, ...training.live.map((entry) => ({ x: entry.x, y: entry.loss }))] },
  ];
  if (gan) {
    const generatorStart: Point[] = last === undefined ? [] : [{ x: last.epoch, y: last.generatorLoss }];
    series.push(
      { id: 'generator', label: 'generator', colour: '--cl-generator', markers: true, points: history.map((entry) => ({ x: entry.epoch, y: entry.generatorLoss })) },
      { id: 'generator-live', label: 'generator (this epoch)', colour: '--cl-generator', lineWidth: 1.25, points: [...generatorStart, ...training.live.map((entry) => ({ x: entry.x, y: entry.generatorLoss }))] },
    );
  } else {
    series.push({ id: 'validation', label: 'validation', colour: '--cl-validation', markers: true, points: history.map((entry) => ({ x: entry.epoch, y: entry.validationLoss })) });
  }
  return { series, xMax: training.epochs ?? 1, yClamp: [0, Infinity] };
}

/** Accuracy curves in [0, 1]; null for a GAN (no accuracy to show). */
export function accuracyCurves(training: TrainingState): CurveSpec | null {
  if (training.kind === 'gan') return null;
  const history = training.history;
  const last = history[history.length - 1];
  const liveStart: Point[] = last === undefined ? [] : [{ x: last.epoch, y: last.accuracy }];
  return {
    series: [
      { id: 'train', label: 'train', colour: '--cl-train', markers: true, points: history.map((entry) => ({ x: entry.epoch, y: entry.accuracy })) },
      { id: 'train-live', label: 'train (this epoch)', colour: '--cl-train', lineWidth: 1.25, points: [...liveStart, ...training.live.map((entry) => ({ x: entry.x, y: entry.accuracy }))] },
      { id: 'validation', label: 'validation', colour: '--cl-validation', markers: true, points: history.map((entry) => ({ x: entry.epoch, y: entry.validationAccuracy })) },
    ],
    xMax: training.epochs ?? 1,
    yClamp: [0, 1],
    yPercent: true,
  };
}

/** The fraction of the whole run done, in [0, 1]. */
export function overallProgress(progress: Progress | null, epochs: number | null): number {
  if (progress === null) return 0;
  const total = Math.max(1, epochs ?? progress.epochs);
  const done = progress.epoch - 1 + (progress.batches > 0 ? progress.batch / progress.batches : 0);
  return Math.max(0, Math.min(1, done / total));
}

/** Each cell's share of its row (the true class): what the heat map colours. */
export function confusionShares(matrix: readonly (readonly number[])[]): number[][] {
  return matrix.map((row) => {
    const total = row.reduce((sum, value) => sum + value, 0);
    return row.map((value) => (total > 0 ? value / total : 0));
  });
}

/** Per-class recall (the diagonal's share of each row). */
export function perClassAccuracy(matrix: readonly (readonly number[])[]): number[] {
  return confusionShares(matrix).map((row, index) => row[index] ?? 0);
}

/** The tabs a panel offers: feature maps for models, samples for GANs, a tab asked for always. */
export function visibleTabs(state: PanelState): PanelTab[] {
  const tabs: PanelTab[] = ['summary', 'training'];
  const gan = state.kind === 'gan';
  if (!gan || state.featureMaps.layers.length > 0 || state.tab === 'featureMaps') tabs.push('featureMaps');
  if (gan || state.samples.grids.length > 0 || state.tab === 'samples') tabs.push('samples');
  return tabs;
}

export const TAB_LABELS: Readonly<Record<PanelTab, string>> = {
  summary: 'Summary',
  training: 'Training',
  featureMaps: 'Feature maps',
  samples: 'GAN samples',
};
