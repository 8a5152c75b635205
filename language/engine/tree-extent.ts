/**
 * How deep and how large a model's layer tree is, measured before the engine walks it, so
 * that the walk (and every recursive consumer of the IR after it) is bounded. Iterative,
 * and linear in the number of distinct IR objects: a layer object may sit in many places
 * (`let s = relu(); for (…) s = sequential(s, s);` makes 2^n uses of n objects), and the
 * engine reports each use, so the size counts uses without visiting them.
 */
import type { LayerNode } from '../ir';

/**
 * Containers nested inside one another that the engine analyses. Real networks nest a few
 * levels (torchvision's deepest, a block in a stage in a model, about four); a thousand is
 * far above any of them and far below what recursion over the tree (the engine's walk,
 * LayerNamer, the runtime's compiler, the PyTorch export) can take on Node's default stack
 * of about 10,000 frames. Deeper models get the finding CL1018 instead of an analysis.
 */
export const MAX_NESTING_DEPTH = 1_000;

/**
 * Layer reports one analysis makes, a layer used in several places counted once per use.
 * ResNet-152 has about 500 layers and the 1,000-block benchmark model about 8,000; 100,000
 * is over ten times that and takes the engine under a second (every report also becomes a
 * row, a hint, an entry in a hover's table). More gets the finding CL1019 instead of an
 * analysis: without a bound, `s = sequential(s, s)` sixty times over asks for 2^60 reports.
 */
export const MAX_LAYER_REPORTS = 100_000;

export interface TreeExtent {
  /** Depth of the deepest layer report (0: the model's own layers); Infinity for a cycle. */
  readonly depth: number;
  /** Layer reports the walk would make, capped at MAX_LAYER_REPORTS + 1. */
  readonly size: number;
  /** Where the nesting first goes past MAX_NESTING_DEPTH: the container at that depth and its path. */
  readonly tooDeepAt: { readonly node: LayerNode; readonly path: string } | null;
  /**
   * The first place where a layer belongs but something else is: IR from running a file
   * whose `residual()` was given no branch holds `main: undefined`. `parent` is null for
   * the model's own list; `argument` names the place (`main`, `layer 2`).
   */
  readonly malformedAt: { readonly parent: LayerNode | null; readonly path: string; readonly argument: string; readonly value: unknown } | null;
}

interface Measure {
  /** Levels below the node: 0 for a leaf or an empty container. */
  readonly below: number;
  /** Reports of the node and everything under it (capped). */
  readonly size: number;
}

const SIZE_CAP = MAX_LAYER_REPORTS + 1;
const ENDLESS: Measure = { below: Infinity, size: SIZE_CAP };
/** What stands where a layer is missing, until the model is refused for it. */
const LEAF: Measure = { below: 0, size: 1 };

/** An IR layer: an object with a kind (what the DSL makes; anything else is malformed). */
function isLayer(value: unknown): value is LayerNode {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

/** How a child's place is named in a finding: `main`, `shortcut`, `head`, or `layer n` of a list. */
function argumentName(label: string): string {
  return /^\d+$/.test(label) ? `layer ${Number(label) + 1}` : label;
}

/** A container's children with the path segment each gets (LayerReport.path). */
function childrenWithLabels(node: LayerNode): readonly (readonly [LayerNode, string])[] {
  switch (node.kind) {
    case 'sequential':
      return node.layers.map((layer, index) => [layer, String(index)] as const);
    case 'concat':
      return node.branches.map((branch, index) => [branch, String(index)] as const);
    case 'residual':
      return node.shortcut === null ? [[node.main, 'main']] : [[node.main, 'main'], [node.shortcut, 'shortcut']];
    case 'aux':
      return [[node.head, 'head']];
    default:
      return [];
  }
}

export function measureTree(layers: readonly LayerNode[]): TreeExtent {
  const measured = new Map<LayerNode, Measure>();
  const onPath = new Set<LayerNode>();
  let malformedAt: TreeExtent['malformedAt'] = null;
  const measureOf = (node: unknown): Measure => (isLayer(node) ? (measured.get(node) ?? ENDLESS) : LEAF);
  const measure = (root: LayerNode, rootPath: string): Measure => {
    const stack: { node: LayerNode; path: string; children: readonly (readonly [LayerNode, string])[]; next: number }[] = [];
    const enter = (node: LayerNode, path: string): void => {
      onPath.add(node);
      stack.push({ node, path, children: childrenWithLabels(node), next: 0 });
    };
    if (!measured.has(root)) enter(root, rootPath);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next < frame.children.length) {
        const [child, label] = frame.children[frame.next]!;
        frame.next += 1;
        if (!isLayer(child)) {
          malformedAt ??= { parent: frame.node, path: frame.path, argument: argumentName(label), value: child };
        } else if (onPath.has(child)) {
          // IR made by the DSL cannot hold a cycle; any other object that does counts as endless.
          measured.set(child, ENDLESS);
        } else if (!measured.has(child)) {
          enter(child, `${frame.path}.${label}`);
        }
        continue;
      }
      let below = 0;
      let size = 1;
      for (const [item] of frame.children) {
        const inner = measureOf(item);
        below = Math.max(below, inner.below + 1);
        size = Math.min(SIZE_CAP, size + inner.size);
      }
      measured.set(frame.node, { below, size });
      onPath.delete(frame.node);
      stack.pop();
    }
    return measureOf(root);
  };

  let depth = 0;
  let size = 0;
  let deepest: readonly [LayerNode, string] | null = null;
  for (const [index, layer] of layers.entries()) {
    if (!isLayer(layer)) {
      malformedAt ??= { parent: null, path: String(index), argument: argumentName(String(index)), value: layer };
      size = Math.min(SIZE_CAP, size + 1);
      continue;
    }
    const { below, size: layerSize } = measure(layer, String(index));
    if (below > depth) {
      depth = below;
      deepest = [layer, String(index)];
    }
    size = Math.min(SIZE_CAP, size + layerSize);
  }
  return { depth, size, tooDeepAt: depth > MAX_NESTING_DEPTH && deepest !== null ? descend(deepest, measured) : null, malformedAt };
}

/** From a top-level layer whose nesting goes too deep, down to the container at MAX_NESTING_DEPTH on that path. */
function descend(start: readonly [LayerNode, string], measured: ReadonlyMap<LayerNode, Measure>): { node: LayerNode; path: string } {
  let [node, path] = start;
  for (let depth = 0; depth < MAX_NESTING_DEPTH; depth += 1) {
    const next = childrenWithLabels(node).find(([child]) => isLayer(child) && depth + 1 + (measured.get(child)?.below ?? Infinity) > MAX_NESTING_DEPTH);
    if (next === undefined) break;
    node = next[0];
    path = `${path}.${next[1]}`;
  }
  return { node, path };
}
