/**
 * Arithmetic on symbolic numbers: a helper evaluated before anything calls it gets its
 * number parameters as symbols (language/ir/symbolic.ts), and user code computes with them
 * (`planes * 4`, `outC / 4`, `Math.max(8, c / 2)`). What the algebra cannot decide (a
 * comparison that depends on the values, `%`) is an unknown, so a branch on it leaves the
 * helper unknown, as any unknown condition does.
 */
import type * as ts from 'typescript';
import {
  add,
  ceilOf,
  divide,
  equal,
  Expr,
  floorOf,
  isExpr,
  lowerBound,
  maximum,
  minimum,
  multiply,
  printDim,
  scale,
  subtract,
  upperBound,
  type Dim,
} from '../ir/index';
import { Unknown, type Value } from './values';

/** Whether a binary operator sees a symbolic operand and only numbers or symbols besides. */
export function involvesSymbols(left: Value, right: Value): boolean {
  return (isExpr(left) || isExpr(right)) && (isDim(left) || typeof left === 'string') && (isDim(right) || typeof right === 'string');
}

function isDim(value: Value): value is Dim {
  return typeof value === 'number' || isExpr(value);
}

/**
 * The longest canonical text an expression of user code may have: squaring a symbol in a
 * loop doubles it each time, and the algebra is not charged to the step budget, so past
 * this a result is an unknown instead.
 */
const MAX_EXPRESSION_KEY = 2_000;

function bounded(value: Value, site: ts.Node): Value {
  return isExpr(value) && value.key.length > MAX_EXPRESSION_KEY ? new Unknown('this expression of the helper\'s parameters is too long to follow', site) : value;
}

/** `a op b` where one side is symbolic; an unknown when it depends on the symbols' values. */
export function symbolicOperator(operator: string, left: Value, right: Value, site: ts.Node): Value {
  return bounded(applySymbolic(operator, left, right, site), site);
}

function applySymbolic(operator: string, left: Value, right: Value, site: ts.Node): Value {
  if (typeof left === 'string' || typeof right === 'string') {
    // Concatenation (a layer name built from a parameter): the expression's text.
    if (operator === '+') return `${typeof left === 'string' ? left : printDim(left as Dim)}${typeof right === 'string' ? right : printDim(right as Dim)}`;
    return dependsOn(operator, left, right, site);
  }
  const a = left as Dim;
  const b = right as Dim;
  switch (operator) {
    case '+':
      return add(a, b);
    case '-':
      return subtract(a, b);
    case '*':
      return multiply(a, b);
    case '/':
      return divide(a, b) ?? dependsOn(operator, a, b, site);
    case '**':
      if (typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 8) {
        let power: Dim = 1;
        for (let index = 0; index < b; index += 1) power = multiply(power, a);
        return power;
      }
      return dependsOn(operator, a, b, site);
    case '===':
    case '==':
    case '!==':
    case '!=': {
      // Equal keys are equal values; a difference of known sign (never 0: keys differ) is not.
      const same = equal(a, b) ? true : sign(subtract(a, b)) !== undefined ? false : undefined;
      if (same === undefined) return dependsOn(operator, a, b, site);
      return operator === '===' || operator === '==' ? same : !same;
    }
    case '<':
    case '>':
    case '<=':
    case '>=': {
      const difference = sign(subtract(a, b));
      if (difference === undefined) return dependsOn(operator, a, b, site);
      if (operator === '<') return difference < 0;
      if (operator === '>') return difference > 0;
      if (operator === '<=') return difference <= 0;
      return difference >= 0;
    }
    default:
      return dependsOn(operator, a, b, site);
  }
}

/** −1, 0 or 1 when the sign holds for every value of the symbols; undefined otherwise. */
function sign(value: Dim): number | undefined {
  if (typeof value === 'number') return Math.sign(value);
  if (lowerBound(value) > 0) return 1;
  if (upperBound(value) < 0) return -1;
  return undefined;
}

function dependsOn(operator: string, a: Value, b: Value, site: ts.Node): Unknown {
  const text = (value: Value): string => (isDim(value) ? printDim(value) : JSON.stringify(value));
  return new Unknown(`${text(a)} ${operator} ${text(b)} depends on the values of the helper's parameters`, site);
}

/** `-x` of a symbol. */
export function negated(value: Expr): Dim {
  return scale(value, -1);
}

/** `Math.floor`, `Math.ceil`, `Math.max`, `Math.min`, `Math.abs`, `Math.trunc` over symbols; undefined for the rest. */
export function symbolicMath(name: string, args: readonly Value[], site: ts.Node): Value | undefined {
  if (!args.some(isExpr) || !args.every(isDim)) return undefined;
  const result = applyMath(name, args, site);
  return result === undefined ? undefined : bounded(result, site);
}

function applyMath(name: string, args: readonly Value[], site: ts.Node): Value | undefined {
  const dims = args as readonly Dim[];
  const [first] = dims;
  switch (name) {
    case 'Math.floor':
    case 'Math.trunc':
      if (name === 'Math.trunc' && first !== undefined && lowerBound(first) < 0) break;
      return first === undefined ? undefined : (floorOf(first) ?? new Unknown(`${name}(${printDim(first)}) is not an integer expression`, site));
    case 'Math.ceil':
      return first === undefined ? undefined : (ceilOf(first) ?? new Unknown(`Math.ceil(${printDim(first)}) is not an integer expression`, site));
    case 'Math.max':
      return dims.reduce((a, b) => maximum(a, b));
    case 'Math.min':
      return dims.reduce((a, b) => minimum(a, b));
    case 'Math.abs':
      if (first !== undefined && lowerBound(first) >= 0) return first;
      if (first !== undefined && upperBound(first) <= 0) return scale(first, -1);
      break;
    default:
      break;
  }
  return new Unknown(`${name}(…) of ${dims.map(printDim).join(', ')} depends on the values of the helper's parameters`, site);
}
