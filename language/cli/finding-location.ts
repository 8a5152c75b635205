import type { AnyNode, ContainerNode, RootNode } from '../ir/index';
import type { Finding } from '../engine/index';
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

/** Each node's first parent in the tree (a node object reused in two places keeps the first). */
function collectParents(root: RootNode): WeakMap<object, object> {
  const parents = new WeakMap<object, object>();
  const visit = (node: AnyNode, parent: object | null): void => {
    if (parent !== null && !parents.has(node)) parents.set(node, parent);
    for (const child of childrenOf(node)) visit(child, node);
  };
  visit(root, null);
  return parents;
}

/** A node's direct children in the IR tree (a model's input first). */
export function childrenOf(node: AnyNode): readonly AnyNode[] {
  switch (node.kind) {
    case 'model':
      return [node.input, ...node.layers];
    case 'gan':
      return [node.generator, node.discriminator];
    case 'sequential':
      return node.layers;
    case 'residual':
      return node.shortcut === null ? [node.main] : [node.main, node.shortcut];
    case 'concat':
      return node.branches;
    case 'aux':
      return [node.head];
    default: {
      // Fails to compile when a new container kind is added to the IR and not above.
      const leaf: Exclude<AnyNode, RootNode | ContainerNode> = node;
      void leaf;
      return [];
    }
  }
}
