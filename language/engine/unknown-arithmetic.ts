/**
 * Arithmetic over possibly-unknown numbers: any unknown (`null`) operand makes the result
 * unknown, so an unknowable hyperparameter turns into `?` downstream instead of a wrong
 * number or an exception.
 */
import type { Num } from '../ir';

/**
 * The product of a list of any length. Takes an array rather than spread arguments: a
 * shape of 200,000 dimensions, or a model of 200,000 layers, spread into a call exceeds
 * the engine's stack (a RangeError, never acceptable on user input).
 */
export function productOf(values: readonly Num[]): Num {
  let result = 1;
  for (const value of values) {
    if (value === null) return null;
    result *= value;
  }
  return result;
}

/** The sum of a list of any length (see productOf). */
export function sumOf(values: readonly Num[]): Num {
  let result = 0;
  for (const value of values) {
    if (value === null) return null;
    result += value;
  }
  return result;
}

/** The product of a few operands. */
export function product(...values: readonly Num[]): Num {
  return productOf(values);
}

/** The sum of a few operands. */
export function sum(...values: readonly Num[]): Num {
  return sumOf(values);
}

/** Applies `f` when every operand is known. */
export function whenKnown<const T extends readonly Num[]>(
  values: T,
  f: (...known: { [K in keyof T]: number }) => number,
): Num {
  if (values.some((value) => value === null)) return null;
  return f(...(values as unknown as { [K in keyof T]: number }));
}

export function isPositiveInteger(value: Num): value is number {
  return value !== null && Number.isInteger(value) && value > 0;
}

export function isNonNegativeInteger(value: Num): value is number {
  return value !== null && Number.isInteger(value) && value >= 0;
}
