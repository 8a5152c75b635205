import { collectParents, type RootNode } from '../language/ir/index';
import type { Finding } from '../language/engine/index';
import type { Locate, SourceLocation } from './source-location';

/**
 * Where to report a finding: at its node's own call, else at the nearest enclosing node
 * whose call is known (the `sequential` that `gan` builds from a generator array has no
 * call of its own, so its findings go to the `gan(...)` call), else nowhere.
 */
export function createFindingLocator(root: RootNode, locate: Locate): (finding: Finding) => SourceLocation | null {
  const parents = collectParents(root);
  return (finding) => {
    let node: object | undefined = finding.node;
    while (node !== undefined) {
      const location = locate(node);
      if (location !== null) return location;
      node = parents.get(node);
    }
    return null;
  };
}
