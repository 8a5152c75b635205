/**
 * Where in the user's file an IR node was created. The summary builders look nodes up by
 * object identity, so they work the same whether the IR came from running the file
 * (execute mode, locations from call stacks) or from static evaluation (spans from the
 * TypeScript AST).
 */

/** A position in the summarised file, both numbers 1-based (as editors show them). */
export interface SourceLocation {
  readonly line: number;
  readonly column: number;
}

/** The location of the DSL call that created `node`, or null when it is not known. */
export type Locate = (node: object) => SourceLocation | null;

/** A `Locate` over a table filled while the IR was built. */
export function toLocate(locations: WeakMap<object, SourceLocation>): Locate {
  return (node) => locations.get(node) ?? null;
}

/** For files whose locations are unknown. */
export const locateNothing: Locate = () => null;
