/**
 * `convlens/diagram`: a model's summary → its architecture diagram (graph, dagre layout,
 * SVG). Shared by `convlens summary --diagram` and the panel's Summary tab, so both draw
 * the same picture. Imports no other ConvLens part: its input is plain summary rows.
 */
export { buildDiagram, toTree, DEFAULT_EXPANDED_MAX_LEAVES, type DiagramEdge, type DiagramGraph, type DiagramGroup, type DiagramNode, type DiagramNodeKind, type DiagramOptions, type DiagramRow, type DiagramSource } from './diagram-graph';
export { layoutDiagram, nodeSize, textWidth, type Box, type DiagramLayout, type PlacedEdge, type PlacedGroup, type PlacedNode, type Point } from './diagram-layout';
export { DIAGRAM_CSS, DIAGRAM_THEME_VARIABLES, emphasisWeights, escapeXml, renderDiagramSvg, type DiagramEmphasis, type SvgOptions } from './diagram-svg';

import { buildDiagram, type DiagramOptions, type DiagramSource } from './diagram-graph';
import { layoutDiagram } from './diagram-layout';
import { renderDiagramSvg, type SvgOptions } from './diagram-svg';

/** Summary → SVG in one call (what the CLI writes). */
export function diagramSvg(source: DiagramSource, options: DiagramOptions & SvgOptions = {}): string {
  return renderDiagramSvg(layoutDiagram(buildDiagram(source, options)), options);
}
