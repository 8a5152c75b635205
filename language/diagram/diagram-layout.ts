/**
 * Positions for a diagram graph, from dagre (@dagrejs/dagre: layered Sugiyama layout with
 * compound nodes and edge labels; synchronous and about 50 KB minified, so it runs in the
 * CLI and in the panel's bundle alike — elkjs does the same at 1.6 MB). Text is measured by
 * its length (no DOM in the CLI): the boxes are sized for the diagram's own font sizes.
 */
import type * as Dagre from '@dagrejs/dagre' with { 'resolution-mode': 'import' };
import type { DiagramEdge, DiagramGraph, DiagramGroup, DiagramNode } from './diagram-graph';

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A box by its top-left corner. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface PlacedNode extends Box {
  readonly node: DiagramNode;
}

export interface PlacedGroup extends Box {
  readonly group: DiagramGroup;
  /** Nesting depth (0 for a top-level group): outer groups are drawn first. */
  readonly depth: number;
}

export interface PlacedEdge {
  readonly edge: DiagramEdge;
  readonly points: readonly Point[];
  /** Centre of the shape label. */
  readonly labelAt: Point;
}

export interface DiagramLayout {
  readonly graph: DiagramGraph;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly groups: readonly PlacedGroup[];
  readonly edges: readonly PlacedEdge[];
}

// NOTE: @dagrejs/dagre 3 is an ES module package with a CommonJS build under its `require`
// condition; TypeScript (module node16) reads only its ES module types and refuses to
// require them, so the types come from `import type` and the code from require() (Node and
// esbuild both pick dist/dagre.cjs).
declare const require: (id: string) => unknown;
const { graphlib, layout } = require('@dagrejs/dagre') as typeof Dagre;

/** Font sizes the renderer uses (px) and the width of an average character at each. */
export const DIAGRAM_FONT = { label: 12, detail: 11, edge: 10, charWidth: 0.62 } as const;
const NODE_HEIGHT = 38;
const JOIN_SIZE = 22;
const PADDING_X = 12;
/** Room above a group's contents for its title and toggle. */
const GROUP_TITLE = 18;

export function textWidth(text: string, fontSize: number): number {
  return Math.ceil([...text].length * fontSize * DIAGRAM_FONT.charWidth);
}

export function nodeSize(node: DiagramNode): { width: number; height: number } {
  if (node.kind === 'join') return { width: JOIN_SIZE, height: JOIN_SIZE };
  const toggle = node.kind === 'collapsed' ? 18 : 0;
  const detail = node.layerKind === 'aux' ? `${node.detail} · training only` : node.detail;
  const width = Math.max(textWidth(node.label, DIAGRAM_FONT.label) + toggle, textWidth(detail, DIAGRAM_FONT.detail)) + 2 * PADDING_X;
  return { width: Math.max(width, 72), height: NODE_HEIGHT };
}

export function layoutDiagram(graph: DiagramGraph): DiagramLayout {
  const g = new graphlib.Graph({ compound: true, multigraph: true });
  // Room between ranks for the titles of groups that start there (nested ones stack up).
  let nesting = 0;
  const levels = new Map<string, number>();
  for (const group of graph.groups) {
    const level = group.parent === null ? 1 : (levels.get(group.parent) ?? 0) + 1;
    levels.set(group.id, level);
    nesting = Math.max(nesting, level);
  }
  g.setGraph({ rankdir: 'TB', nodesep: 20, ranksep: 26 + (GROUP_TITLE * Math.min(nesting, 2)) / 2, edgesep: 8, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  // dagre places groups (compound nodes) around their members; edges join nodes only.
  for (const group of graph.groups) {
    g.setNode(group.id, {});
    if (group.parent !== null) g.setParent(group.id, group.parent);
  }
  for (const node of graph.nodes) {
    g.setNode(node.id, nodeSize(node));
    if (node.group !== null) g.setParent(node.id, node.group);
  }
  graph.edges.forEach((edge, index) => {
    g.setEdge(edge.from, edge.to, { width: textWidth(edge.label, DIAGRAM_FONT.edge) + 6, height: DIAGRAM_FONT.edge + 4, labelpos: 'r', labeloffset: 4 }, String(index));
  });
  layout(g);

  const depthOf = new Map<string, number>();
  for (const group of graph.groups) depthOf.set(group.id, group.parent === null ? 0 : (depthOf.get(group.parent) ?? 0) + 1);
  const nodes: PlacedNode[] = graph.nodes.map((node) => {
    const { x, y, width, height } = g.node(node.id) as { x: number; y: number; width: number; height: number };
    return { node, x: x - width / 2, y: y - height / 2, width, height };
  });
  // Each group grows upwards by its title's room, above the titles of the groups inside it
  // (innermost first), so that nested titles never overlap; the ranks were spaced for it.
  const boxes = new Map<string, { x: number; top: number; bottom: number; width: number }>();
  for (const group of graph.groups) {
    const { x, y, width, height } = g.node(group.id) as { x: number; y: number; width: number; height: number };
    boxes.set(group.id, { x: x - width / 2, top: y - height / 2, bottom: y + height / 2, width });
  }
  const deepestFirst = [...graph.groups].sort((a, b) => (depthOf.get(b.id) ?? 0) - (depthOf.get(a.id) ?? 0));
  for (const group of deepestFirst) {
    const box = boxes.get(group.id)!;
    box.top -= GROUP_TITLE;
    const parent = group.parent === null ? undefined : boxes.get(group.parent);
    if (parent !== undefined) parent.top = Math.min(parent.top, box.top);
  }
  const groups: PlacedGroup[] = graph.groups.map((group) => {
    const box = boxes.get(group.id)!;
    return { group, depth: depthOf.get(group.id) ?? 0, x: box.x, y: box.top, width: box.width, height: box.bottom - box.top };
  });
  const edges: PlacedEdge[] = graph.edges.map((edge, index) => {
    const placed = g.edge({ v: edge.from, w: edge.to, name: String(index) }) as { points: Point[]; x: number; y: number; width: number };
    return { edge, points: placed.points.map(({ x, y }) => ({ x, y })), labelAt: { x: placed.x, y: placed.y } };
  });
  const { width = 0, height = 0 } = g.graph() as { width?: number; height?: number };
  // Groups grown upwards may reach above the top margin: shift everything down to fit.
  const top = groups.reduce((least, group) => Math.min(least, group.y - 4), 0);
  const shift = <T extends { y: number }>(item: T): T => ({ ...item, y: item.y - top });
  return {
    graph,
    width: Math.ceil(width),
    height: Math.ceil(height - top),
    nodes: nodes.map(shift),
    groups: groups.map(shift).sort((a, b) => a.depth - b.depth),
    edges: edges.map((edge) => ({ edge: edge.edge, points: edge.points.map(shift), labelAt: shift(edge.labelAt) })),
  };
}
