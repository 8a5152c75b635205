/**
 * Receptive-field arithmetic (Araujo, Norris, Sim, "Computing Receptive Fields of
 * Convolutional Neural Networks", Distill 2019), one axis at a time.
 *
 * State per axis: size r, jump j (input pixels between neighbouring output units) and the
 * centre c of the first output unit, in input pixel coordinates (pixel i is centred at i).
 * Through a layer with effective kernel k, stride s and padding p before the first pixel:
 *   r' = r + (k − 1)·j,   j' = j·s,   c' = c + ((k − 1)/2 − p)·j.
 */
import type { Num } from '../ir';
import type { ReceptiveField } from './types';
import { equal } from '../ir';
import { ceilQuotient, isGreater, minus, plus, product, quotient } from './unknown-arithmetic';

export interface AxisField {
  readonly size: Num;
  readonly jump: Num;
  readonly start: Num;
}

/** The field of the input itself: each pixel sees itself. */
export const INPUT_FIELD: ReceptiveField = Object.freeze({
  size: [1, 1] as const,
  jump: [1, 1] as const,
  start: [0, 0] as const,
});

export function axisOf(field: ReceptiveField, axis: 0 | 1): AxisField {
  return { size: field.size[axis], jump: field.jump[axis], start: field.start[axis] };
}

export function fromAxes(rows: AxisField, columns: AxisField): ReceptiveField {
  return {
    size: [rows.size, columns.size],
    jump: [rows.jump, columns.jump],
    start: [rows.start, columns.start],
  };
}

/** Through a sliding window (convolution or pooling). */
export function throughWindow(field: AxisField, effectiveKernel: Num, stride: Num, padBefore: Num): AxisField {
  const { size, jump, start } = field;
  // r + (k − 1)·j,  j·s,  c + ((k − 1)/2 − p)·j
  return {
    size: plus(size, product(minus(effectiveKernel, 1), jump)),
    jump: product(jump, stride),
    start: plus(start, product(minus(quotient(minus(effectiveKernel, 1), 2), padBefore), jump)),
  };
}

/** Through zero padding: only the origin moves. */
export function throughPadding(field: AxisField, padBefore: Num): AxisField {
  return { size: field.size, jump: field.jump, start: minus(field.start, product(padBefore, field.jump)) };
}

/**
 * Through nearest-neighbour upsampling by `scale`: each output unit copies one input unit,
 * so the size stays and the jump shrinks; output pixel 0 sits at input coordinate (1/scale − 1)/2.
 */
export function throughUpsampling(field: AxisField, scale: Num): AxisField {
  return {
    size: field.size,
    jump: quotient(field.jump, scale),
    start: plus(field.start, product(quotient(minus(quotient(1, scale), 1), 2), field.jump)),
  };
}

/**
 * Through a transposed convolution, treated as a fractionally strided convolution: an output
 * unit gathers at most ceil(k / s) input units, neighbouring outputs are j / s apart, and
 * output 0 is centred on input coordinate (p − (k − 1)/2) / s. This is the continuous
 * approximation; Distill's recurrence covers only ordinary convolutions and pooling.
 */
export function throughTransposed(field: AxisField, kernel: Num, stride: Num, padBefore: Num): AxisField {
  const { size, jump, start } = field;
  return {
    size: plus(size, product(minus(ceilQuotient(kernel, stride), 1), jump)),
    jump: quotient(jump, stride),
    start: plus(start, product(quotient(minus(padBefore, quotient(minus(kernel, 1), 2)), stride), jump)),
  };
}

/**
 * Through adaptive average pooling from `inputSize` to `outputSize` bins. PyTorch's bin i
 * spans [floor(i·in/out), ceil((i + 1)·in/out)); bins differ in length when out does not
 * divide in, so the size uses the longest bin and the jump the mean bin stride in/out.
 */
export function throughAdaptivePooling(field: AxisField, inputSize: Num, outputSize: Num): AxisField {
  const longest = longestAdaptiveBin(inputSize, outputSize);
  // The bins of a symbolic input depend on its value: the field is unknown then.
  if (typeof inputSize !== 'number' || typeof outputSize !== 'number' || typeof longest !== 'number') return { size: null, jump: null, start: null };
  const firstBin = Math.ceil(inputSize / outputSize);
  return {
    size: plus(field.size, product(longest - 1, field.jump)),
    jump: quotient(product(field.jump, inputSize), outputSize),
    start: plus(field.start, product((firstBin - 1) / 2, field.jump)),
  };
}

/**
 * The longest of PyTorch's adaptive-pooling bins, in closed form (a loop over the bins
 * would run `out` times, and `adaptiveAvgPool2d(1e20)` is valid input).
 *
 * Write i·in = q·out + r with 0 ≤ r < out. Bin i begins at floor(i·in/out) = q and ends at
 * ceil((i + 1)·in/out) = q + ceil((r + in)/out), so its length is ceil((r + in)/out), which
 * grows with r. As i runs over 0 … out − 1, r = i·in mod out takes exactly the multiples of
 * g = gcd(in, out) below out, so the largest r is out − g and the longest bin is
 * ceil((out − g + in)/out) = 1 + ceil((in − g)/out). E.g. in = 4, out = 3: g = 1, 1 + 1 = 2
 * (bins 2, 2, 2); in = 5, out = 3: 1 + ceil(4/3) = 3 (bins 2, 3, 2); out = in: 1.
 * Null unless both are positive integers (Euclid's algorithm takes O(log out) steps).
 */
export function longestAdaptiveBin(inputSize: Num, outputSize: Num): Num {
  if (typeof inputSize !== 'number' || typeof outputSize !== 'number') return null;
  if (!Number.isInteger(inputSize) || !Number.isInteger(outputSize) || inputSize <= 0 || outputSize <= 0) return null;
  return 1 + Math.ceil((inputSize - greatestCommonDivisor(inputSize, outputSize)) / outputSize);
}

/** Euclid's algorithm on integers held in doubles (`%` is exact on them). */
function greatestCommonDivisor(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) {
    const rest = x % y;
    x = y;
    y = rest;
  }
  return x;
}

/** Merges the fields of branches that are added or concatenated: the largest one wins. */
export function mergeFields(fields: readonly ReceptiveField[]): ReceptiveField | null {
  let widest: ReceptiveField | null = null;
  for (const field of fields) {
    // An unknown size counts as the largest; a symbolic one wins only where it is larger for every value.
    if (widest === null || widest.size[0] === null) {
      widest ??= field;
      continue;
    }
    if (field.size[0] === null || isGreater(field.size[0], widest.size[0]) === true) widest = field;
  }
  return widest;
}

/** Whether the branches' jumps differ on a known axis (worth a warning). */
export function jumpsDiffer(fields: readonly ReceptiveField[]): boolean {
  for (const axis of [0, 1] as const) {
    const known = fields.map((field) => field.jump[axis]).filter((jump): jump is NonNullable<Num> => jump !== null);
    if (known.some((jump) => !equal(jump, known[0]!))) return true;
  }
  return false;
}
