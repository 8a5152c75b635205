/**
 * Symbolic dimensions: integer expressions over named symbols (`filters`, `stride`, an
 * input's `H`), so a helper that is not called with numbers yet, or a model whose input
 * size is a parameter, still has shapes, parameter counts and MACs.
 *
 * An expression is a polynomial whose variables ("atoms") are symbols and the few
 * non-polynomial operations sliding windows need: floor and ceiling division, max and
 * min. It is kept in one canonical, simplified form, so equal expressions have equal keys
 * (a residual's branches agree when their shapes print the same) and print the way a
 * person writes them (`⌈H/2⌉`, `(9·C + 1)·filters`).
 *
 * Every symbol stands for a positive integer: it is a size, a channel count or another
 * hyperparameter that must be one. The simplifications rely on it (`⌊(H − 1)/s⌋ + 1 = ⌈H/s⌉`
 * holds for integers H and s ≥ 1), and so do the bounds that decide findings.
 *
 * Written here rather than taken from a computer-algebra library: the ones for JavaScript
 * (mathjs, nerdamer, algebrite) simplify real expressions, know nothing of floor division of
 * integers, weigh 100 kB to 700 kB, and this IR package has no dependencies.
 */

/** A dimension or hyperparameter: a number, or an expression over symbols. */
export type Dim = number | Expr;

type Atom =
  | { readonly kind: 'symbol'; readonly name: string; readonly key: string }
  | { readonly kind: 'floor' | 'ceil'; readonly numerator: Expr; readonly denominator: Dim; readonly key: string }
  | { readonly kind: 'max' | 'min'; readonly operands: readonly [Dim, Dim]; readonly key: string };

interface Term {
  readonly coefficient: number;
  /** Sorted by key; a repeated atom is a power. */
  readonly atoms: readonly Atom[];
  readonly key: string;
}

/** A non-constant expression (a constant is a plain number). Immutable. */
export class Expr {
  /** The canonical text: equal expressions have equal keys. */
  readonly key: string;
  private text: string | undefined;

  private constructor(
    /** The non-constant terms, highest degree first, then by key. */
    readonly terms: readonly Term[],
    readonly constant: number,
  ) {
    this.key = `${terms.map((term) => `${term.coefficient}*${term.key}`).join('+')}+${constant}`;
  }

  /** The canonical expression of `terms + constant`: a number when no term is left. */
  static of(terms: Iterable<Term>, constant: number): Dim {
    const merged = new Map<string, Term>();
    for (const term of terms) {
      const existing = merged.get(term.key);
      merged.set(term.key, existing === undefined ? term : { ...term, coefficient: existing.coefficient + term.coefficient });
    }
    const kept = [...merged.values()].filter((term) => term.coefficient !== 0);
    if (kept.length === 0) return constant;
    kept.sort((a, b) => b.atoms.length - a.atoms.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return new Expr(kept, constant);
  }

  /** A named symbol, standing for a positive integer. */
  static symbol(name: string): Expr {
    return Expr.ofAtom({ kind: 'symbol', name, key: name });
  }

  static ofAtom(atom: Atom): Expr {
    return new Expr([{ coefficient: 1, atoms: [atom], key: atom.key }], 0);
  }

  toString(): string {
    this.text ??= printExpr(this);
    return this.text;
  }

  /** In JSON (a summary, a message) an expression is its text. */
  toJSON(): string {
    return this.toString();
  }
}

export function isExpr(value: unknown): value is Expr {
  return value instanceof Expr;
}

function termOf(coefficient: number, atoms: readonly Atom[]): Term {
  const sorted = [...atoms].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { coefficient, atoms: sorted, key: sorted.map((atom) => atom.key).join('*') };
}

function termsOf(dim: Dim): readonly Term[] {
  return typeof dim === 'number' ? [] : dim.terms;
}

function constantOf(dim: Dim): number {
  return typeof dim === 'number' ? dim : dim.constant;
}

export function add(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  return Expr.of([...termsOf(a), ...termsOf(b)], constantOf(a) + constantOf(b));
}

export function scale(a: Dim, factor: number): Dim {
  if (typeof a === 'number') return a * factor;
  return Expr.of(
    a.terms.map((term) => ({ ...term, coefficient: term.coefficient * factor })),
    a.constant * factor,
  );
}

export function subtract(a: Dim, b: Dim): Dim {
  return add(a, scale(b, -1));
}

export function multiply(a: Dim, b: Dim): Dim {
  if (typeof a === 'number') return scale(b, a);
  if (typeof b === 'number') return scale(a, b);
  const terms: Term[] = [];
  for (const left of a.terms) {
    for (const right of b.terms) terms.push(termOf(left.coefficient * right.coefficient, [...left.atoms, ...right.atoms]));
    if (b.constant !== 0) terms.push({ ...left, coefficient: left.coefficient * b.constant });
  }
  if (a.constant !== 0) for (const right of b.terms) terms.push({ ...right, coefficient: right.coefficient * a.constant });
  return Expr.of(terms, a.constant * b.constant);
}

/**
 * `a / b` as a real number (JavaScript's `/`, the engine's `channels / groups`): by a
 * number it scales; by an expression only when `b` is a monomial dividing every term of
 * `a` (`(C·k)/k`); otherwise null, not representable.
 */
export function divide(a: Dim, b: Dim): Dim | null {
  if (typeof b === 'number') return b === 0 ? null : scale(a, 1 / b);
  if (equal(a, b)) return 1;
  if (b.terms.length !== 1 || b.constant !== 0) return null;
  const [divisor] = b.terms as [Term];
  if (typeof a === 'number' || a.constant !== 0) return null;
  const terms: Term[] = [];
  for (const term of a.terms) {
    const remaining = withoutAtoms(term.atoms, divisor.atoms);
    if (remaining === undefined) return null;
    terms.push(termOf(term.coefficient / divisor.coefficient, remaining));
  }
  return Expr.of(terms, 0);
}

/** `atoms` with each of `removed` taken out once, or undefined when one is missing. */
function withoutAtoms(atoms: readonly Atom[], removed: readonly Atom[]): Atom[] | undefined {
  const rest = [...atoms];
  for (const atom of removed) {
    const index = rest.findIndex((candidate) => candidate.key === atom.key);
    if (index < 0) return undefined;
    rest.splice(index, 1);
  }
  return rest;
}

export function equal(a: Dim, b: Dim): boolean {
  if (!isExpr(a) || !isExpr(b)) return a === b;
  return a.key === b.key;
}

/** ⌊a/b⌋ for integers a and b ≥ 1, simplified. */
export function floorDivide(a: Dim, b: Dim): Dim {
  return integerDivide(a, b, 'floor');
}

/** ⌈a/b⌉ for integers a and b ≥ 1, simplified. */
export function ceilDivide(a: Dim, b: Dim): Dim {
  return integerDivide(a, b, 'ceil');
}

function integerDivide(a: Dim, b: Dim, rounding: 'floor' | 'ceil'): Dim {
  if (typeof a === 'number' && typeof b === 'number') return rounding === 'floor' ? Math.floor(a / b) : Math.ceil(a / b);
  if (b === 1) return a;
  if (typeof b === 'number') return divideByConstant(a as Expr, b, rounding);
  // By a symbolic divisor: an exact quotient, or the identities ⌊(n − 1)/d⌋ = ⌈n/d⌉ − 1 and
  // ⌈(n + 1)/d⌉ = ⌊n/d⌋ + 1 (integers n, d ≥ 1), which make ⌊(H + 2·1 − 3)/s⌋ + 1 read ⌈H/s⌉.
  const exact = divide(a, b);
  if (exact !== null && isIntegerValued(exact)) return exact;
  const offset = constantOf(a);
  const rest = subtract(a, offset);
  if (typeof rest !== 'number') {
    if (rounding === 'floor' && offset === -1) return add(atomExpr('ceil', rest, b), -1);
    if (rounding === 'ceil' && offset === 1) return add(atomExpr('floor', rest, b), 1);
  }
  return atomExpr(rounding, a, b);
}

/** Division of a non-constant expression by a positive integer constant k. */
function divideByConstant(a: Expr, k: number, rounding: 'floor' | 'ceil'): Dim {
  if (!Number.isInteger(k) || k <= 0) return atomExpr(rounding, a, k);
  // Divisions in a row are one division: ⌊(⌊n/d⌋ + c)/k⌋ = ⌊(n + c·d)/(d·k)⌋ for integers
  // (two 2×2 poolings make ⌊H/4⌋, not ⌊⌊H/2⌋/2⌋). A ceiling is the floor of n + d − 1 first.
  const [only] = a.terms;
  const inner = a.terms.length === 1 && only!.coefficient === 1 && only!.atoms.length === 1 ? only!.atoms[0] : undefined;
  if ((inner?.kind === 'floor' || inner?.kind === 'ceil') && typeof inner.denominator === 'number' && Number.isInteger(inner.denominator) && Number.isInteger(a.constant)) {
    const d = inner.denominator;
    const numerator = inner.kind === 'ceil' ? add(inner.numerator, d - 1) : inner.numerator;
    const offset = a.constant + (rounding === 'ceil' ? k - 1 : 0);
    return integerDivide(add(numerator, offset * d), d * k, 'floor');
  }
  // Terms whose integer coefficients k divides leave the floor whole: ⌊(k·Q + R)/k⌋ = Q + ⌊R/k⌋
  // for integer-valued Q. The constant splits likewise: c = q·k + r with 0 ≤ r < k.
  const whole: Term[] = [];
  const rest: Term[] = [];
  for (const term of a.terms) {
    if (Number.isInteger(term.coefficient) && term.coefficient % k === 0) whole.push({ ...term, coefficient: term.coefficient / k });
    else rest.push(term);
  }
  const quotient = Math.floor(a.constant / k);
  let remainder = a.constant - quotient * k;
  const wholePart = Expr.of(whole, quotient);
  if (rest.length === 0) {
    // 0 ≤ r < k: ⌊Q + r/k⌋ = Q, ⌈Q + r/k⌉ = Q + (r > 0).
    return rounding === 'ceil' && remainder > 0 ? add(wholePart, 1) : wholePart;
  }
  // Divide what is left by the common factor of its coefficients, the remainder and k.
  let divisor = k;
  for (const term of rest) divisor = Number.isInteger(term.coefficient) ? gcd(divisor, Math.abs(term.coefficient)) : 1;
  divisor = gcd(divisor, remainder);
  let reduced = k;
  let restTerms: Term[] = rest;
  if (divisor > 1) {
    restTerms = rest.map((term) => ({ ...term, coefficient: term.coefficient / divisor }));
    remainder /= divisor;
    reduced = k / divisor;
  }
  const restExpr = Expr.of(restTerms, 0) as Expr;
  // One canonical form per value: ⌊(R + r)/k⌋ = ⌈(R + r − k + 1)/k⌉, so both roundings
  // become a floor with 0 ≤ r < k, shown as ⌈R/k⌉ when r = k − 1.
  if (rounding === 'ceil') {
    remainder += reduced - 1;
    if (remainder >= reduced) {
      remainder -= reduced;
      return add(wholePart, add(floorAtom(restExpr, remainder, reduced), 1));
    }
  }
  return add(wholePart, floorAtom(restExpr, remainder, reduced));
}

/** ⌊(rest + remainder)/k⌋ with 0 ≤ remainder < k, as the ceiling when that reads better. */
function floorAtom(rest: Expr, remainder: number, k: number): Dim {
  if (k === 1) return add(rest, remainder);
  if (remainder === 0) return atomExpr('floor', rest, k);
  if (remainder === k - 1) return atomExpr('ceil', rest, k);
  return atomExpr('floor', add(rest, remainder), k);
}

function atomExpr(kind: 'floor' | 'ceil', numerator: Dim, denominator: Dim): Expr {
  // One form per value: a numerator led by a negative term flips, ⌈−n/d⌉ = −⌊n/d⌋.
  const [leading] = termsOf(numerator);
  if (leading !== undefined && leading.coefficient < 0) {
    return scale(atomExpr(kind === 'floor' ? 'ceil' : 'floor', scale(numerator, -1), denominator), -1) as Expr;
  }
  const key = `${kind}(${keyOf(numerator)}/${keyOf(denominator)})`;
  return Expr.ofAtom({ kind, numerator: numerator as Expr, denominator, key });
}

function keyOf(dim: Dim): string {
  return typeof dim === 'number' ? String(dim) : dim.key;
}

/** Whether every coefficient is an integer (then, over integer symbols, so is the value). */
function isIntegerValued(dim: Dim): boolean {
  if (typeof dim === 'number') return Number.isInteger(dim);
  return Number.isInteger(dim.constant) && dim.terms.every((term) => Number.isInteger(term.coefficient));
}

/**
 * `Math.floor` of an expression that may have fractional coefficients (`outC / 4`): the
 * integer division of its numerator by the common denominator, or null when there is none.
 */
export function floorOf(a: Dim): Dim | null {
  return roundedOf(a, 'floor');
}

/** `Math.ceil`, as floorOf. */
export function ceilOf(a: Dim): Dim | null {
  return roundedOf(a, 'ceil');
}

function roundedOf(a: Dim, rounding: 'floor' | 'ceil'): Dim | null {
  if (typeof a === 'number') return rounding === 'floor' ? Math.floor(a) : Math.ceil(a);
  if (isIntegerValued(a)) return a;
  for (let denominator = 2; denominator <= 1024; denominator += 1) {
    const numerator = scale(a, denominator);
    if (isIntegerValued(numerator)) return integerDivide(numerator, denominator, rounding);
  }
  return null;
}

export function maximum(a: Dim, b: Dim): Dim {
  return extremum(a, b, 'max');
}

export function minimum(a: Dim, b: Dim): Dim {
  return extremum(a, b, 'min');
}

function extremum(a: Dim, b: Dim, kind: 'max' | 'min'): Dim {
  if (typeof a === 'number' && typeof b === 'number') return kind === 'max' ? Math.max(a, b) : Math.min(a, b);
  const difference = subtract(a, b);
  if (lowerBound(difference) >= 0) return kind === 'max' ? a : b;
  if (upperBound(difference) <= 0) return kind === 'max' ? b : a;
  const operands = (keyOf(a) < keyOf(b) ? [a, b] : [b, a]) as [Dim, Dim];
  return Expr.ofAtom({ kind, operands, key: `${kind}(${keyOf(operands[0])},${keyOf(operands[1])})` });
}

/** The least value over every assignment of positive integers to the symbols (−∞ when unbounded). */
export function lowerBound(dim: Dim): number {
  return bound(dim, 'lower');
}

/** The greatest value over every assignment of positive integers to the symbols (+∞ when unbounded). */
export function upperBound(dim: Dim): number {
  return bound(dim, 'upper');
}

function bound(dim: Dim, side: 'lower' | 'upper'): number {
  if (!isExpr(dim)) return typeof dim === 'number' ? dim : Number.NaN;
  let total = dim.constant;
  for (const term of dim.terms) {
    // A term's factors are non-negative when their lower bounds are; then the product is
    // least at the lower bounds and unbounded above (every symbol grows without limit).
    const wantsLeast = (term.coefficient > 0) === (side === 'lower');
    let least = 1;
    for (const atom of term.atoms) {
      const atomLeast = atomBound(atom, 'lower');
      if (!(atomLeast >= 0)) return side === 'lower' ? -Infinity : Infinity;
      least *= atomLeast;
    }
    total += wantsLeast ? term.coefficient * least : side === 'lower' ? -Infinity : Infinity;
  }
  return total;
}

function atomBound(atom: Atom, side: 'lower' | 'upper'): number {
  switch (atom.kind) {
    case 'symbol':
      return side === 'lower' ? 1 : Infinity;
    case 'floor':
    case 'ceil': {
      // Only lower bounds are needed (of a factor); a divisor of at least 1 and a
      // non-negative numerator give at least ⌊least/greatest divisor⌋, 0 for a symbolic one.
      if (side === 'upper') return Infinity;
      const numerator = lowerBound(atom.numerator);
      if (!(numerator >= 0)) return -Infinity;
      if (typeof atom.denominator === 'number') {
        return atom.kind === 'floor' ? Math.floor(numerator / atom.denominator) : Math.ceil(numerator / atom.denominator);
      }
      return atom.kind === 'ceil' && numerator >= 1 ? 1 : 0;
    }
    case 'max':
      return side === 'lower' ? Math.max(lowerBound(atom.operands[0]), lowerBound(atom.operands[1])) : Infinity;
    case 'min':
      return side === 'lower' ? Math.min(lowerBound(atom.operands[0]), lowerBound(atom.operands[1])) : Infinity;
  }
}

/**
 * The value of a dimension when each symbol has a number (`H = 224`); undefined when one
 * is missing. What the tests compare the concrete engine with.
 */
export function valueAt(dim: Dim, values: ReadonlyMap<string, number>): number | undefined {
  if (typeof dim === 'number') return dim;
  let total = dim.constant;
  for (const term of dim.terms) {
    let product = term.coefficient;
    for (const atom of term.atoms) {
      const value = atomValueAt(atom, values);
      if (value === undefined) return undefined;
      product *= value;
    }
    total += product;
  }
  return total;
}

function atomValueAt(atom: Atom, values: ReadonlyMap<string, number>): number | undefined {
  switch (atom.kind) {
    case 'symbol':
      return values.get(atom.name);
    case 'floor':
    case 'ceil': {
      const numerator = valueAt(atom.numerator, values);
      const denominator = valueAt(atom.denominator, values);
      if (numerator === undefined || denominator === undefined) return undefined;
      return atom.kind === 'floor' ? Math.floor(numerator / denominator) : Math.ceil(numerator / denominator);
    }
    case 'max':
    case 'min': {
      const [a, b] = atom.operands.map((operand) => valueAt(operand, values));
      if (a === undefined || b === undefined) return undefined;
      return atom.kind === 'max' ? Math.max(a, b) : Math.min(a, b);
    }
  }
}

function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

// --- Printing -----------------------------------------------------------------------

const SUPERSCRIPTS = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/** Expressions longer than this print their first part and an ellipsis. */
const MAX_PRINTED_LENGTH = 200;

function printExpr(expr: Expr): string {
  const text = printFactored(expr);
  return text.length > MAX_PRINTED_LENGTH ? `${text.slice(0, MAX_PRINTED_LENGTH - 1)}…` : text;
}

/** Prints a dimension as a person writes it: `(9·C + 1)·filters`, `⌈H/2⌉`, `H − 2`. */
export function printDim(dim: Dim): string {
  return typeof dim === 'number' ? formatNumber(dim) : dim.toString();
}

/** Whether `printDim` shows a sum (so it needs parentheses next to `×` or `·`). */
export function isSum(dim: Dim): boolean {
  if (typeof dim === 'number') return false;
  if (dim.terms.length + (dim.constant !== 0 ? 1 : 0) <= 1) return false;
  return commonFactor(dim) === undefined;
}

/** A common monomial factor of every term (none of them constant), worth pulling out. */
function commonFactor(expr: Expr): { atoms: Atom[]; coefficient: number } | undefined {
  if (expr.constant !== 0 || expr.terms.length < 2) return undefined;
  let shared: Atom[] = [...expr.terms[0]!.atoms];
  for (const term of expr.terms.slice(1)) {
    const next: Atom[] = [];
    const available = [...term.atoms];
    for (const atom of shared) {
      const index = available.findIndex((candidate) => candidate.key === atom.key);
      if (index >= 0) {
        next.push(atom);
        available.splice(index, 1);
      }
    }
    shared = next;
  }
  let coefficient = 0;
  for (const term of expr.terms) coefficient = Number.isInteger(term.coefficient) ? gcd(coefficient, term.coefficient) : 1;
  if (shared.length === 0 && coefficient <= 1) return undefined;
  return { atoms: shared, coefficient: Math.max(coefficient, 1) };
}

function printFactored(expr: Expr): string {
  const factor = commonFactor(expr);
  if (factor === undefined) return printSum(expr.terms, expr.constant);
  const inner = expr.terms.map((term) => termOf(term.coefficient / factor.coefficient, withoutAtoms(term.atoms, factor.atoms) ?? []));
  // The constant of the inner sum is the term left without atoms.
  const constantTerm = inner.find((term) => term.atoms.length === 0);
  const sum = printSum(
    inner.filter((term) => term.atoms.length > 0),
    constantTerm?.coefficient ?? 0,
  );
  const outer = printMonomial(factor.coefficient, factor.atoms);
  return `(${sum})·${outer}`;
}

function printSum(terms: readonly Term[], constant: number): string {
  const parts: { negative: boolean; text: string }[] = terms.map((term) => ({
    negative: term.coefficient < 0,
    text: printMonomial(Math.abs(term.coefficient), term.atoms),
  }));
  const constantPart = { negative: constant < 0, text: formatNumber(Math.abs(constant)) };
  // `29 − k` rather than `−k + 29`: a positive constant leads a sum whose terms are all negative.
  if (constant > 0 && parts.length > 0 && parts.every((part) => part.negative)) parts.unshift(constantPart);
  else if (constant !== 0 || parts.length === 0) parts.push(constantPart);
  return parts
    .map((part, index) => (index === 0 ? (part.negative ? `−${part.text}` : part.text) : `${part.negative ? ' − ' : ' + '}${part.text}`))
    .join('');
}

/** `9·C·filters`, `H²`, `outC/4` for a coefficient of 1/4. */
function printMonomial(coefficient: number, atoms: readonly Atom[]): string {
  const factors: string[] = [];
  for (let index = 0; index < atoms.length; ) {
    const atom = atoms[index]!;
    let power = 1;
    while (atoms[index + power]?.key === atom.key) power += 1;
    factors.push(power === 1 ? printAtom(atom) : `${printAtom(atom)}${superscript(power)}`);
    index += power;
  }
  const body = factors.join('·');
  if (atoms.length === 0) return formatNumber(coefficient);
  if (coefficient === 1) return body;
  const fraction = asFraction(coefficient);
  if (fraction !== undefined && fraction.numerator === 1) return `${body}/${fraction.denominator}`;
  if (fraction !== undefined) return `${fraction.numerator}·${body}/${fraction.denominator}`;
  return `${formatNumber(coefficient)}·${body}`;
}

function printAtom(atom: Atom): string {
  switch (atom.kind) {
    case 'symbol':
      return atom.name;
    case 'floor':
    case 'ceil': {
      const [open, close] = atom.kind === 'floor' ? ['⌊', '⌋'] : ['⌈', '⌉'];
      return `${open}${printOperand(atom.numerator)}/${printOperand(atom.denominator)}${close}`;
    }
    case 'max':
    case 'min':
      return `${atom.kind}(${printDim(atom.operands[0])}, ${printDim(atom.operands[1])})`;
  }
}

/** A sum in parentheses, so `(H − 1)/2` is not read as `H − 1/2`. */
function printOperand(dim: Dim): string {
  return isSum(dim) ? `(${printDim(dim)})` : printDim(dim);
}

function superscript(power: number): string {
  return [...String(power)].map((digit) => SUPERSCRIPTS[Number(digit)]).join('');
}

/** A non-integer coefficient as a fraction with a small denominator (1/4, 3/2), if it is one. */
function asFraction(value: number): { numerator: number; denominator: number } | undefined {
  if (Number.isInteger(value)) return undefined;
  for (let denominator = 2; denominator <= 64; denominator += 1) {
    const numerator = value * denominator;
    if (Math.abs(numerator - Math.round(numerator)) < 1e-9) return { numerator: Math.round(numerator), denominator };
  }
  return undefined;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}
