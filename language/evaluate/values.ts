/**
 * The values the static evaluator computes with. Plain JavaScript values stand for
 * themselves (numbers, strings, booleans, null, undefined, arrays, object literals, the IR
 * objects the DSL returns); functions and the unknowable get classes of their own, so a
 * value from user code is never a real JavaScript function that could be called.
 */
import type * as ts from 'typescript';
import { isExpr, type Expr } from '../ir/index';
import type { Environment } from './environment';

/** A value that cannot be known statically, with the reason and where it arose. */
export class Unknown {
  constructor(
    readonly reason: string,
    readonly node: ts.Node | undefined,
  ) {}
}

/** A user function (declaration, expression or arrow) with the scope it closes over. */
export class Closure {
  constructor(
    readonly declaration: ts.FunctionLikeDeclaration,
    readonly scope: Environment,
  ) {}
}

/** One of the DSL's factories (`conv2d`, `model`, …), recognised by its declaration. */
export class DslFunction {
  constructor(readonly name: string) {}
}

/** `import * as cl from 'convlens'`: property access yields DSL functions. */
export class DslNamespace {
  constructor(readonly names: ReadonlySet<string>) {}
}

/**
 * A built-in the evaluator implements itself (`Math.max`, `Array.from`, an array's `map`):
 * `receiver` is the value it was read from, so `xs.map` knows its array.
 */
export class Builtin {
  constructor(
    readonly name: string,
    readonly call: (receiver: Value, args: readonly Value[], site: ts.Node) => Value,
    readonly receiver: Value = undefined,
  ) {}

  bindTo(receiver: Value): Builtin {
    return new Builtin(this.name, this.call, receiver);
  }
}

/** A global object such as `Math` or `Array`, whose members are built-ins or constants. */
export class BuiltinNamespace {
  constructor(
    readonly name: string,
    readonly members: ReadonlyMap<string, Value>,
  ) {}
}

export type Callable = Closure | DslFunction | Builtin;

export type Value =
  | undefined
  | null
  | boolean
  | number
  | Expr
  | string
  | Value[]
  | readonly Value[]
  | { [key: string]: Value }
  | Unknown
  | Closure
  | DslFunction
  | DslNamespace
  | Builtin
  | BuiltinNamespace;

export function isCallable(value: Value): value is Callable {
  return value instanceof Closure || value instanceof DslFunction || value instanceof Builtin;
}

/** Plain data: an object literal or an IR object (not one of the evaluator's classes). */
export function isPlainObject(value: Value): value is { [key: string]: Value } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** How a value reads in an "unknown because …" message. */
export function describeValue(value: Value): string {
  if (value instanceof Unknown) return 'an unknown value';
  if (isExpr(value)) return `the number ${value.toString()}`;
  if (value instanceof Closure || value instanceof Builtin || value instanceof DslFunction) return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : typeof value;
}


/**
 * Raised to leave a computation whose control flow depends on an unknown value (an `if`
 * on an unknown condition): the enclosing function call, or top-level statement, becomes
 * unknown as a whole.
 */
export class UnknownControlFlow extends Error {
  constructor(readonly unknown: Unknown) {
    super(unknown.reason);
  }
}

/** Raised when the step budget is spent: the evaluation stops with an explicit unknown. */
export class BudgetExceeded extends Error {}
