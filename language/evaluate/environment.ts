import type * as ts from 'typescript';
import type { Value } from './values';

/**
 * A scope: bindings keyed by the TypeChecker's symbol of each declaration, so shadowing
 * and closures follow TypeScript's own name resolution rather than string lookups.
 */
export class Environment {
  private readonly bindings = new Map<ts.Symbol, Value>();

  constructor(readonly parent: Environment | undefined) {}

  declare(symbol: ts.Symbol, value: Value): void {
    this.bindings.set(symbol, value);
  }

  /** The scope that binds `symbol`, if any. */
  find(symbol: ts.Symbol): Environment | undefined {
    for (let scope: Environment | undefined = this; scope !== undefined; scope = scope.parent) {
      if (scope.bindings.has(symbol)) return scope;
    }
    return undefined;
  }

  get(symbol: ts.Symbol): Value {
    return this.bindings.get(symbol);
  }

  set(symbol: ts.Symbol, value: Value): void {
    this.bindings.set(symbol, value);
  }

  /** This scope's own bindings (not its parents'). */
  entries(): IterableIterator<[ts.Symbol, Value]> {
    return this.bindings.entries();
  }

  /** A sibling scope with the same bindings (a loop's next iteration). */
  copy(): Environment {
    const twin = new Environment(this.parent);
    for (const [symbol, value] of this.bindings) twin.bindings.set(symbol, value);
    return twin;
  }
}
