import { isExpr, isSum, printDim, type Num, type Shape } from '../ir';

/** How shapes are shown: LeNet's `C@H×W` (the default), PyTorch's `[C,H,W]` or Keras's `[H,W,C]`. */
export type ShapeFormat = 'C@HxW' | 'CHW' | 'HWC';

/** A dimension as text: a number, an expression over symbols (`⌈H/2⌉`), or `?`. */
export function formatDim(dim: Num): string {
  // Only a number or an expression is shown: IR from running a hostile file may hold anything in a shape.
  return typeof dim === 'number' ? String(dim) : isExpr(dim) ? printDim(dim) : '?';
}

/** A dimension next to `@`, `×` or `·`: a sum in parentheses (`16@(H − 2)×(W − 2)`, `3·3·(C + 16)`). */
export function formatFactor(dim: Num): string {
  return typeof dim !== 'number' && isExpr(dim) && isSum(dim) ? `(${printDim(dim)})` : formatDim(dim);
}

/** Dimensions shown of a shape of higher rank (`input(...dims)` takes any number of them). */
const MAX_SHOWN_DIMS = 8;

/**
 * `6@28×28` for images, `120` for vectors, `[a,b]` for other ranks; `?` marks an unknown
 * dimension and a wholly unknown shape. A shape of more than 8 dimensions shows its first
 * 8 and how many there are, so a hostile `input(...Array(100_000).fill(1))` stays short.
 */
export function formatShape(shape: Shape | null, format: ShapeFormat = 'C@HxW'): string {
  if (shape === null) return '?';
  if (shape.length > MAX_SHOWN_DIMS) return `[${shape.slice(0, MAX_SHOWN_DIMS).map(formatDim).join(',')},… ${formatCount(shape.length)} dims]`;
  const dims = shape.map(formatDim);
  if (format === 'CHW') return `[${dims.join(',')}]`;
  if (format === 'HWC') {
    if (dims.length === 3) {
      const [channels, height, width] = dims;
      return `[${height},${width},${channels}]`;
    }
    return `[${dims.join(',')}]`;
  }
  if (dims.length === 3) {
    // Sums in parentheses only where a dimension is an expression (rare: helpers nothing calls).
    const [channels, height, width] = shape.some(isExpr) ? shape.map(formatFactor) : dims;
    return `${channels}@${height}×${width}`;
  }
  if (dims.length === 1) return dims[0] ?? '?';
  return `[${dims.join(',')}]`;
}

export { MAX_DISPLAY_TEXT_LENGTH, shortenText } from '../ir/index';

/** `a, b, c` for a few items; the first 8 and how many there are for more (reshape's dims). */
export function formatList(items: readonly unknown[], separator = ', '): string {
  if (items.length <= MAX_SHOWN_DIMS) return items.map(String).join(separator);
  return `${items.slice(0, MAX_SHOWN_DIMS).map(String).join(separator)}${separator}… ${formatCount(items.length)} in all`;
}

// NOTE: one formatter for every count. `Number.prototype.toLocaleString` builds a new
// Intl.NumberFormat per call (~46 µs in Node 20), which dominated analysing big models.
const COUNT_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

/** 61706 → `61,706`; unknown → `?`; an expression over symbols as written (`(9·C + 1)·filters`). */
export function formatCount(value: Num): string {
  if (value === null) return '?';
  if (isExpr(value)) return printDim(value);
  // Integers (nearly every count) skip Intl, which costs ~1 µs a call: thousands per keystroke.
  if (Number.isSafeInteger(value)) return String(value).replace(/\B(?=(\d{3})+$)/g, ',');
  return COUNT_FORMAT.format(value);
}

/** A large count in the unit a reader expects: `714.19 M`, `1.50 G`. */
export function formatScaled(value: Num): string {
  if (value === null) return '?';
  if (isExpr(value)) return printDim(value);
  const units: readonly [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, unit] of units) {
    if (Math.abs(value) >= scale) return `${(value / scale).toFixed(2)} ${unit}`;
  }
  return String(value);
}

/** Bytes in binary units: `244.84 KiB`. */
export function formatBytes(bytes: Num): string {
  if (bytes === null) return '?';
  if (isExpr(bytes)) return `${printDim(bytes)} B`;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(2)} ${units[unit]}`;
}
