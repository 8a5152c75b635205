/** Pure number formatting for the panels (no DOM). Unknown values (null) read `?`. */

export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '?';
  return Math.round(value).toLocaleString('en-US');
}

const SI = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
] as const;

/** 1814073344 → `1.81 G`; below a thousand the plain number. */
export function formatSi(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '?';
  const magnitude = Math.abs(value);
  for (const [factor, suffix] of SI) {
    if (magnitude >= factor) return `${(value / factor).toPrecision(3)} ${suffix}`;
  }
  return String(Math.round(value));
}

/** 0.98734 → `98.73%`. */
export function formatPercent(value: number | null | undefined, decimals = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '?';
  return `${(value * 100).toFixed(decimals)}%`;
}

/** A loss or activation: 4 significant digits, exponent form when tiny or huge. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return '?';
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}

export function formatRate(imagesPerSecond: number | null | undefined): string {
  if (imagesPerSecond === null || imagesPerSecond === undefined || !Number.isFinite(imagesPerSecond)) return '?';
  return `${formatCount(imagesPerSecond)} images/s`;
}
