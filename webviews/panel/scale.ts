/**
 * Pure scale arithmetic (no DOM; unit-tested in Node): linear scales, "nice" ticks and
 * domains (the feature maps' legends), and what the Training tab's charts need before uPlot
 * draws them: their ranges and their series on one x axis.
 */

export interface LinearScale {
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  /** Domain value → pixel. */
  map(value: number): number;
  /** Pixel → domain value. */
  invert(pixel: number): number;
}

export function linearScale(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  // A degenerate domain maps everything to the middle of the range.
  const map = span === 0 ? () => (r0 + r1) / 2 : (value: number) => r0 + ((value - d0) / span) * (r1 - r0);
  const invert = r1 === r0 ? () => d0 : (pixel: number) => d0 + ((pixel - r0) / (r1 - r0)) * span;
  return { domain: [d0, d1], range: [r0, r1], map, invert };
}

/** The step of about `count` ticks over [min, max]: 1, 2 or 5 times a power of ten. */
export function tickStep(min: number, max: number, count: number): number {
  const span = Math.abs(max - min);
  if (!Number.isFinite(span) || span === 0 || count < 1) return 0;
  const raw = span / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const fraction = raw / power;
  const nice = fraction >= 7.5 ? 10 : fraction >= 3.5 ? 5 : fraction >= 1.5 ? 2 : 1;
  return nice * power;
}

/** The multiples of `tickStep` inside [min, max], rounded so 0.30000000000000004 reads 0.3. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  const step = tickStep(min, max, count);
  if (step === 0) return Number.isFinite(min) ? [min] : [];
  const lo = Math.min(min, max);
  const hi = Math.max(min, max);
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const decimals = decimalsOf(step);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(decimals)));
  return ticks;
}

/** [min, max] widened outwards to multiples of the tick step; a single value gets room around it. */
export function niceDomain(min: number, max: number, count = 5): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const step = tickStep(min, max, count);
  const decimals = decimalsOf(step);
  return [Number((Math.floor(min / step + 1e-9) * step).toFixed(decimals)), Number((Math.ceil(max / step - 1e-9) * step).toFixed(decimals))];
}

/** Digits after the decimal point that a tick step needs (0.25 → 2, 5 → 0). */
export function decimalsOf(step: number): number {
  if (!Number.isFinite(step) || step <= 0) return 0;
  for (let decimals = 0; decimals < 12; decimals++) {
    if (Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) < 1e-6) return decimals;
  }
  return 12;
}

export function formatTick(value: number, step: number): string {
  return value.toFixed(decimalsOf(step));
}

/** Smallest and largest finite value; null when there is none. */
export function extent(values: Iterable<number | null | undefined>): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return min <= max ? [min, max] : null;
}

// ── charts ────────────────────────────────────────────────────────────────────────

export interface Point {
  readonly x: number;
  readonly y: number | null;
}

export interface SeriesSpec {
  readonly id: string;
  readonly label: string;
  /** A CSS colour or a custom property name (`--cl-train`) resolved by the drawing code. */
  readonly colour: string;
  readonly points: readonly Point[];
  readonly dashed?: boolean;
  /** Dots at the points (epoch ends); the live trace has none. */
  readonly markers?: boolean;
  /** Line width in CSS pixels (default 2). */
  readonly lineWidth?: number;
}

export interface ChartSpec {
  readonly width: number;
  readonly height: number;
  readonly series: readonly SeriesSpec[];
  /** The x axis reaches at least this far (the planned number of epochs). */
  readonly xMax?: number;
  /** A fixed y domain (accuracy: [0, 1]); otherwise nice bounds around the data. */
  readonly yDomain?: readonly [number, number];
  /** Clamp the automatic y domain (accuracy never leaves [0, 1]). */
  readonly yClamp?: readonly [number, number];
  /** Label y ticks as percentages (0.25 → 25%). */
  readonly yPercent?: boolean;
}

/** The x and y ranges of a chart: x from 0 to the planned epochs, y nice bounds around the data. */
export interface ChartDomains {
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
}

/**
 * The ranges a chart shows (uPlot draws it; chart.ts): x from 0 to at least the planned
 * number of epochs, so the run's future stays empty; y the fixed domain, or nice bounds
 * around the data, clamped (a loss never below 0, an accuracy within [0, 1]).
 */
export function chartDomains(spec: Omit<ChartSpec, 'width' | 'height'>): ChartDomains {
  const all = spec.series.flatMap((series) => series.points);
  const xs = extent(all.map((point) => point.x));
  const ys = extent(all.map((point) => point.y));
  const xMax = Math.max(spec.xMax ?? 0, xs?.[1] ?? 0, 1);
  let yDomain: [number, number];
  if (spec.yDomain !== undefined) yDomain = [spec.yDomain[0], spec.yDomain[1]];
  else if (ys === null) yDomain = spec.yClamp !== undefined && Number.isFinite(spec.yClamp[1]) ? [spec.yClamp[0], spec.yClamp[1]] : [0, 1];
  else {
    yDomain = niceDomain(ys[0], ys[1], 4);
    if (spec.yClamp !== undefined) yDomain = [Math.max(spec.yClamp[0], yDomain[0]), Math.min(spec.yClamp[1], yDomain[1])];
    if (yDomain[0] === yDomain[1]) yDomain = niceDomain(yDomain[0], yDomain[1], 4);
  }
  return { x: [0, xMax], y: yDomain };
}

/**
 * Series on one x axis, as uPlot takes them: the ascending union of every series' x, and
 * each series' y at those x — undefined where it has no point (uPlot joins across it), null
 * where its value is missing (a gap, as a validation loss of an epoch without one).
 */
export function alignSeries(series: readonly SeriesSpec[]): [number[], ...(number | null | undefined)[][]] {
  const xs = [...new Set(series.flatMap((one) => one.points.map((point) => point.x)).filter(Number.isFinite))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, at) => [x, at]));
  const columns = series.map((one) => {
    const column: (number | null | undefined)[] = new Array<number | null | undefined>(xs.length).fill(undefined);
    for (const point of one.points) {
      const at = index.get(point.x);
      if (at !== undefined) column[at] = point.y !== null && Number.isFinite(point.y) ? point.y : null;
    }
    return column;
  });
  return [xs, ...columns];
}
