/**
 * Arithmetic over numbers that may be unknown (`null`) or symbolic (an expression over a
 * helper's parameters, see language/ir/symbolic.ts): any unknown operand makes the result
 * unknown, so an unknowable hyperparameter turns into `?` downstream instead of a wrong
 * number or an exception; symbolic operands give symbolic results. Plain numbers take
 * the fast path first: concrete models are analysed on every keystroke.
 */
import {
  add,
  ceilDivide,
  divide,
  Expr,
  floorDivide,
  isExpr,
  lowerBound,
  maximum,
  multiply,
  subtract,
  upperBound,
  type Dim,
  type Num,
} from '../ir/index';

/**
 * How two operands combine: plain numbers (the fast path; also whatever else a hostile IR
 * holds, with JavaScript's arithmetic, as for numbers), symbolically, or not at all.
 */
function kindOf(a: Num, b: Num): 'numbers' | 'symbolic' | 'unknown' {
  if (a === null || b === null) return 'unknown';
  if (isExpr(a)) return typeof b === 'number' || isExpr(b) ? 'symbolic' : 'unknown';
  if (isExpr(b)) return typeof a === 'number' ? 'symbolic' : 'unknown';
  return 'numbers';
}

/**
 * The product of a list of any length. Takes an array rather than spread arguments: a
 * shape of 200,000 dimensions, or a model of 200,000 layers, spread into a call exceeds
 * the engine's stack (a RangeError, never acceptable on user input).
 */
export function productOf(values: readonly Num[]): Num {
  let result: Num = 1;
  for (const value of values) {
    if (typeof value === 'number' && typeof result === 'number') {
      result *= value;
      continue;
    }
    const kind = kindOf(result, value);
    if (kind === 'unknown') return null;
    result = kind === 'numbers' ? (result as number) * (value as number) : multiply(result as Dim, value as Dim);
  }
  return result;
}

/** The sum of a list of any length (see productOf); symbolic terms are merged once, at the end. */
export function sumOf(values: readonly Num[]): Num {
  let total = 0;
  let symbolic: Expr[] | undefined;
  for (const value of values) {
    if (typeof value === 'number') total += value;
    else if (value === null) return null;
    else if (isExpr(value)) (symbolic ??= []).push(value);
    else total += value;
  }
  if (symbolic === undefined) return total;
  if (typeof total !== 'number' || Number.isNaN(total)) return null;
  return Expr.of(
    symbolic.flatMap((expr) => expr.terms),
    symbolic.reduce((constant, expr) => constant + expr.constant, total),
  );
}

/** The product of a few operands. */
export function product(...values: readonly Num[]): Num {
  return productOf(values);
}

/** The sum of a few operands. */
export function sum(...values: readonly Num[]): Num {
  return sumOf(values);
}

/** `a + b`. */
export function plus(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  const kind = kindOf(a, b);
  return kind === 'numbers' ? (a as number) + (b as number) : kind === 'symbolic' ? add(a as Dim, b as Dim) : null;
}

/** `a − b`. */
export function minus(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const kind = kindOf(a, b);
  return kind === 'numbers' ? (a as number) - (b as number) : kind === 'symbolic' ? subtract(a as Dim, b as Dim) : null;
}

/** `a / b` as a real number; null when unknown or, for symbols, not representable. */
export function quotient(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') return a / b;
  const kind = kindOf(a, b);
  return kind === 'numbers' ? (a as number) / (b as number) : kind === 'symbolic' ? divide(a as Dim, b as Dim) : null;
}

/** ⌊a / b⌋. */
export function floorQuotient(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') return Math.floor(a / b);
  const kind = kindOf(a, b);
  return kind === 'numbers' ? Math.floor((a as number) / (b as number)) : kind === 'symbolic' ? floorDivide(a as Dim, b as Dim) : null;
}

/** ⌈a / b⌉. */
export function ceilQuotient(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') return Math.ceil(a / b);
  const kind = kindOf(a, b);
  return kind === 'numbers' ? Math.ceil((a as number) / (b as number)) : kind === 'symbolic' ? ceilDivide(a as Dim, b as Dim) : null;
}

/** max(a, b). */
export function larger(a: Num, b: Num): Num {
  if (typeof a === 'number' && typeof b === 'number') return Math.max(a, b);
  const kind = kindOf(a, b);
  return kind === 'numbers' ? Math.max(a as number, b as number) : kind === 'symbolic' ? maximum(a as Dim, b as Dim) : null;
}

/** Applies `f` when every operand is a known number (not for symbols: unknown then). */
export function whenKnown<const T extends readonly Num[]>(
  values: T,
  f: (...known: { [K in keyof T]: number }) => number,
): Num {
  if (values.some((value) => typeof value !== 'number')) return null;
  return f(...(values as unknown as { [K in keyof T]: number }));
}

/**
 * Whether `value > 0` for every value of its symbols: true or false when that is decided,
 * undefined when it depends on them (or is unknown).
 */
export function isPositive(value: Num): boolean | undefined {
  if (typeof value === 'number') return value > 0;
  if (value === null) return undefined;
  if (!isExpr(value)) return value > 0;
  if (lowerBound(value) > 0) return true;
  if (upperBound(value) <= 0) return false;
  return undefined;
}

/** Whether `a > b` for every value of the symbols; undefined when it depends on them. */
export function isGreater(a: Num, b: Num): boolean | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a > b;
  const kind = kindOf(a, b);
  if (kind === 'unknown') return undefined;
  return kind === 'numbers' ? (a as number) > (b as number) : isPositive(subtract(a as Dim, b as Dim));
}

/** A positive integer, or an expression over symbols that can be one (symbols are positive integers). */
export function isPositiveInteger(value: Num): value is number | Expr {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0;
  if (isExpr(value)) return upperBound(value) >= 1;
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

export function isNonNegativeInteger(value: Num): value is number | Expr {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0;
  if (isExpr(value)) return upperBound(value) >= 0;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
