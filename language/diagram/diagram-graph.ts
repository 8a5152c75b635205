/**
 * A model's summary rows → the graph the architecture diagram draws: a node per visible
 * layer, sequential / residual / concat / aux containers as groups (or, collapsed, as one
 * node), edges labelled with the shape that flows along them. Pure and plain data: the CLI
 * builds it from the engine's analysis, the panel from the summary it receives.
 */

/** One row of a summary (the panel's `SummaryRow` and the service's `ModelSummaryRow` are such rows). */
export interface DiagramRow {
  readonly name: string;
  /** The IR kind: `conv2d`, `sequential`, `residual`, …; a GAN's networks are `model`. */
  readonly kind: string;
  /** Nesting depth; rows are in pre-order (a container before its children, a residual's main before its shortcut). */
  readonly depth: number;
  readonly container: boolean;
  /** Inside an auxiliary head (training only). */
  readonly aux: boolean;
  /** The output shape as the user's shape format writes it (`6@28×28`). */
  readonly output: string;
  readonly params: number | null;
  readonly macs: number | null;
  /** 1-based line of the call that made it; null when unknown. */
  readonly line: number | null;
}

export interface DiagramSource {
  readonly title: string;
  readonly kind: 'model' | 'gan';
  /** The input shape (a GAN: the latent vector), in the same format as the rows' outputs. */
  readonly input: string;
  readonly output: string;
  readonly rows: readonly DiagramRow[];
}

export type DiagramNodeKind = 'layer' | 'collapsed' | 'input' | 'output' | 'join' | 'image';

export interface DiagramNode {
  /** The tree path of its row (`4.0.1`), or `input`, `output`, `image`, `<group>/join`. */
  readonly id: string;
  readonly kind: DiagramNodeKind;
  /** The layer's (or container's) name, or what a synthetic node stands for. */
  readonly label: string;
  /** The layer kind, `residual · 10 layers`, or the join's operation. */
  readonly detail: string;
  /** The IR kind of the row (`conv2d`, `residual`), or the node kind for synthetic nodes. */
  readonly layerKind: string;
  readonly aux: boolean;
  readonly line: number | null;
  readonly params: number | null;
  readonly macs: number | null;
  /** The group it is drawn in; null at the top. */
  readonly group: string | null;
}

export interface DiagramGroup {
  /** The tree path of the container's row; also the id to expand or collapse it with. */
  readonly id: string;
  readonly label: string;
  readonly layerKind: string;
  readonly aux: boolean;
  readonly line: number | null;
  readonly parent: string | null;
}

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  /** The shape flowing along it: the output of `from`. */
  readonly label: string;
  readonly aux: boolean;
  /** An identity shortcut (a residual without a projection). */
  readonly identity: boolean;
}

export interface DiagramGraph {
  readonly title: string;
  readonly kind: 'model' | 'gan';
  readonly nodes: readonly DiagramNode[];
  readonly groups: readonly DiagramGroup[];
  readonly edges: readonly DiagramEdge[];
  /** Every container's id, expanded or not (what "expand all" expands). */
  readonly containers: readonly string[];
}

/**
 * A container with more leaf layers than this starts collapsed, so that ResNet-152's stages
 * and GoogLeNet's inception modules are one node each until the user opens them.
 */
export const DEFAULT_EXPANDED_MAX_LEAVES = 8;

export interface DiagramOptions {
  /** Containers the user opened or closed (by id), overriding the default. */
  readonly expanded?: ReadonlyMap<string, boolean>;
  /** Every container open (the CLI's `--expand`), unless `expanded` says otherwise. */
  readonly expandAll?: boolean;
}

/** A row with its children, rebuilt from the pre-order and the depths. */
interface TreeItem {
  readonly id: string;
  readonly row: DiagramRow;
  readonly children: TreeItem[];
  leaves: number;
}

/** Rows in pre-order with depths → a forest. Iterative: a model may nest 1,000 containers deep. */
export function toTree(rows: readonly DiagramRow[]): TreeItem[] {
  const roots: TreeItem[] = [];
  const open: TreeItem[] = [];
  for (const row of rows) {
    // A depth that jumps by more than one (malformed input) hangs the row under the deepest open container.
    while (open.length > 0 && open.length > row.depth) open.pop();
    const parent = open[open.length - 1];
    const siblings = parent === undefined ? roots : parent.children;
    const item: TreeItem = { id: parent === undefined ? String(siblings.length) : `${parent.id}.${siblings.length}`, row, children: [], leaves: row.container ? 0 : 1 };
    siblings.push(item);
    if (row.container) open.push(item);
  }
  // Leaf counts, children before parents (reverse pre-order).
  const order: TreeItem[] = [];
  const stack = [...roots];
  while (stack.length > 0) {
    const item = stack.pop()!;
    order.push(item);
    stack.push(...item.children);
  }
  for (let index = order.length - 1; index >= 0; index -= 1) {
    const item = order[index]!;
    if (item.row.container) item.leaves = item.children.reduce((sum, child) => sum + child.leaves, 0);
  }
  return roots;
}

/** Where a value comes from: a node, and the shape it carries. */
interface Source {
  readonly id: string;
  readonly label: string;
}

/** The graph of a summary with the given containers open. */
export function buildDiagram(source: DiagramSource, options: DiagramOptions = {}): DiagramGraph {
  const nodes: DiagramNode[] = [];
  const groups: DiagramGroup[] = [];
  const edges: DiagramEdge[] = [];
  const containers: string[] = [];
  // `alone`: the only child of an open container opens with it (a group holding one closed node shows nothing more).
  const isExpanded = (item: TreeItem, alone: boolean): boolean => options.expanded?.get(item.id) ?? (alone || options.expandAll === true || item.leaves <= DEFAULT_EXPANDED_MAX_LEAVES);

  const connect = (from: readonly Source[], to: string, aux: boolean, identity = false): void => {
    for (const { id, label } of from) edges.push({ from: id, to, label, aux, identity });
  };
  const synthetic = (id: string, kind: DiagramNodeKind, label: string, detail: string, group: string | null, aux = false): string => {
    nodes.push({ id, kind, label, detail, layerKind: kind, aux, line: null, params: null, macs: null, group });
    return id;
  };

  // Recursive over containers only: the engine analyses no model nested over 1,000 deep
  // (CL1018), and the panel's protocol holds rows to that depth too.
  const build = (item: TreeItem, inputs: readonly Source[], group: string | null, alone = false): Source[] => {
    const { row } = item;
    // The engine marks what is inside an aux head; the head's own container is training-only too.
    const aux = row.aux || row.kind === 'aux';
    if (row.container) containers.push(item.id);
    if (!row.container || !isExpanded(item, alone)) {
      if (row.container) collectContainers(item, containers);
      const detail = row.container ? `${row.kind} · ${plural(item.leaves, 'layer')}` : row.kind;
      nodes.push({ id: item.id, kind: row.container ? 'collapsed' : 'layer', label: row.name, detail, layerKind: row.kind, aux, line: row.line, params: row.params, macs: row.macs, group });
      connect(inputs, item.id, aux);
      // An aux head is a side branch: x passes on unchanged.
      if (row.kind === 'aux') return [...inputs];
      return [{ id: item.id, label: row.output }];
    }
    groups.push({ id: item.id, label: row.name, layerKind: row.kind, aux, line: row.line, parent: group });
    const children = item.children;
    const only = children.length === 1;
    switch (row.kind) {
      case 'residual': {
        const [main, shortcut] = children;
        const mainOut = main === undefined ? [...inputs] : build(main, inputs, item.id, only);
        const shortcutOut = shortcut === undefined ? null : build(shortcut, inputs, item.id);
        const join = synthetic(`${item.id}/join`, 'join', '+', 'add', item.id, row.aux);
        connect(mainOut, join, row.aux);
        connect(shortcutOut ?? inputs, join, row.aux, shortcutOut === null);
        return [{ id: join, label: row.output }];
      }
      case 'concat': {
        const join = `${item.id}/join`;
        const branchOuts = children.map((child) => build(child, inputs, item.id));
        synthetic(join, 'join', '‖', 'concat', item.id, row.aux);
        for (const out of branchOuts) connect(out, join, row.aux);
        return [{ id: join, label: row.output }];
      }
      case 'aux': {
        let flow: Source[] = [...inputs];
        for (const child of children) flow = build(child, flow, item.id, only);
        return [...inputs];
      }
      default: {
        // sequential, a GAN's network, and any container kind to come: a chain.
        let flow: Source[] = [...inputs];
        for (const child of children) flow = build(child, flow, item.id, only);
        return flow;
      }
    }
  };

  const tree = toTree(source.rows);
  if (source.kind === 'gan') {
    // generator → image → discriminator: the networks are the rows of depth 0.
    let flow: Source[] = [{ id: synthetic('input', 'input', 'latent z', source.input, null), label: source.input }];
    const [generator, ...rest] = tree;
    if (generator !== undefined) flow = build(generator, flow, null);
    if (rest.length > 0) {
      const image = synthetic('image', 'image', 'image', 'generated or real', null);
      connect(flow, image, false);
      flow = [{ id: image, label: generator?.row.output ?? source.output }];
      for (const network of rest) flow = build(network, flow, null);
    }
    connect(flow, synthetic('output', 'output', rest.length > 0 ? 'real or fake' : 'output', flow[0]?.label ?? '', null), false);
  } else {
    let flow: Source[] = [{ id: synthetic('input', 'input', 'input', source.input, null), label: source.input }];
    for (const item of tree) flow = build(item, flow, null);
    connect(flow, synthetic('output', 'output', 'output', source.output, null), false);
  }
  return { title: source.title, kind: source.kind, nodes, groups, edges, containers };
}

/** The ids of the containers below a collapsed one (so that "expand all" reaches them). */
function collectContainers(item: TreeItem, into: string[]): void {
  const stack = [...item.children];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (next.row.container) into.push(next.id);
    stack.push(...next.children);
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
