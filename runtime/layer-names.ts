/**
 * Display names of layers, the same the engine gives them (engine/analyze.ts, and what
 * `convlens summary` shows): the user's `name` (an aux head's name), else `<kind>_<n>`
 * counted per kind in execution order, containers included, skipping names the user took.
 * The runtime cannot import the engine (runtime/README.md), so it keeps its own copy of the
 * rule; the differential test checks that both agree on every example.
 */
import type { LayerNode } from '../language/ir/index';

export class LayerNamer {
  private readonly counters = new Map<string, number>();
  private readonly userNames: ReadonlySet<string>;

  constructor(layers: readonly LayerNode[]) {
    const names = new Set<string>();
    const collect = (nodes: readonly LayerNode[]): void => {
      for (const node of nodes) {
        if ('name' in node && node.name !== null) names.add(node.name);
        switch (node.kind) {
          case 'sequential':
            collect(node.layers);
            break;
          case 'residual':
            collect(node.shortcut === null ? [node.main] : [node.main, node.shortcut]);
            break;
          case 'concat':
            collect(node.branches);
            break;
          case 'aux':
            collect([node.head]);
            break;
          default:
            break;
        }
      }
    };
    collect(layers);
    this.userNames = names;
  }

  /** The next node's name, in execution (pre-)order. */
  nameOf(node: LayerNode): string {
    const userName = node.kind === 'aux' ? node.name : 'name' in node ? node.name : null;
    if (userName !== null) return userName;
    let count = this.counters.get(node.kind) ?? 0;
    let name: string;
    do {
      count += 1;
      name = `${node.kind}_${count}`;
    } while (this.userNames.has(name));
    this.counters.set(node.kind, count);
    return name;
  }
}

/**
 * A TensorFlow.js layer name for a display name: tfjs accepts only
 * /^[A-Za-z0-9][-A-Za-z0-9._/]*$/ in weight names (tfjs-core `isValidTensorName`), and layer
 * names must be unique in a model.
 */
export function toTensorFlowName(displayName: string, taken: Set<string>): string {
  let base = displayName.replace(/[^-A-Za-z0-9._]/g, '_');
  if (!/^[A-Za-z0-9]/.test(base)) base = `l${base}`;
  let name = base;
  for (let suffix = 2; taken.has(name); suffix += 1) name = `${base}_${suffix}`;
  taken.add(name);
  return name;
}
