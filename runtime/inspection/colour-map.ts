/**
 * Colour maps for feature maps and filters: viridis for magnitudes (perceptually uniform and
 * readable in grey; van der Walt and Smith, matplotlib 2.0, control points sampled from
 * its table) and a blue–white–red diverging map for signed weights.
 */
const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84], [72, 35, 116], [64, 67, 135], [52, 94, 141], [41, 120, 142],
  [32, 144, 140], [34, 167, 132], [68, 190, 112], [121, 209, 81], [189, 222, 38], [253, 231, 37],
];

function interpolate(stops: readonly (readonly [number, number, number])[], t: number): [number, number, number] {
  const clamped = Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), 1);
  const position = clamped * (stops.length - 1);
  const index = Math.min(Math.floor(position), stops.length - 2);
  const fraction = position - index;
  const [a, b] = [stops[index] as readonly [number, number, number], stops[index + 1] as readonly [number, number, number]];
  return [0, 1, 2].map((component) => Math.round((a[component] as number) * (1 - fraction) + (b[component] as number) * fraction)) as [number, number, number];
}

/** t in [0, 1] → RGB. */
export function viridis(t: number): [number, number, number] {
  return interpolate(VIRIDIS, t);
}

const DIVERGING: readonly (readonly [number, number, number])[] = [[33, 102, 172], [247, 247, 247], [178, 24, 43]];

/** t in [−1, 1] → RGB: blue for negative, white for zero, red for positive. */
export function diverging(t: number): [number, number, number] {
  return interpolate(DIVERGING, (t + 1) / 2);
}
