/**
 * One SVG renderer for the CLI's `--diagram` file and the panel: a string, classes for every
 * part, colours from VS Code's theme variables (with light fallbacks, for a file opened
 * outside VS Code). No `style` attributes and no script, so the panel can insert it under
 * its strict CSP; the panel adopts DIAGRAM_CSS as a constructed stylesheet, a file embeds it.
 */
import type { DiagramNode } from './diagram-graph';
import { DIAGRAM_FONT, type DiagramLayout, type PlacedEdge, type PlacedGroup, type PlacedNode } from './diagram-layout';

/** What node emphasis shows: each layer's share of the largest parameter or MAC count on screen. */
export type DiagramEmphasis = 'params' | 'macs';

export interface SvgOptions {
  readonly emphasis?: DiagramEmphasis;
  /** Embed DIAGRAM_CSS (a file of its own); the panel styles the SVG itself. */
  readonly standalone?: boolean;
  /** Values for the theme variables, written into the embedded style (Save as SVG from the panel keeps its theme). */
  readonly theme?: Readonly<Record<string, string>>;
}

export const DIAGRAM_CSS = `
.cl-diagram { font-family: var(--vscode-font-family, system-ui, sans-serif); }
.cl-diagram .cl-background { fill: var(--vscode-editor-background, #ffffff); }
.cl-diagram .cl-box { fill: var(--vscode-editorWidget-background, #f3f3f3); stroke: var(--vscode-editorWidget-border, #c8c8c8); stroke-width: 1; }
.cl-diagram .cl-node.collapsed .cl-box { stroke: var(--vscode-focusBorder, #0078d4); stroke-width: 1.5; }
.cl-diagram .cl-node.input .cl-box, .cl-diagram .cl-node.output .cl-box, .cl-diagram .cl-node.image .cl-box { fill: var(--vscode-editor-background, #ffffff); stroke: var(--vscode-editor-foreground, #1f1f1f); }
.cl-diagram .cl-node.aux .cl-box, .cl-diagram .cl-group.aux .cl-frame { stroke-dasharray: 4 3; }
.cl-diagram .cl-node.join .cl-box { fill: var(--vscode-editor-background, #ffffff); stroke: var(--vscode-editor-foreground, #1f1f1f); }
.cl-diagram .cl-label { fill: var(--vscode-editor-foreground, #1f1f1f); font-size: ${DIAGRAM_FONT.label}px; font-weight: 600; }
.cl-diagram .cl-detail { fill: var(--vscode-descriptionForeground, #616161); font-size: ${DIAGRAM_FONT.detail}px; }
.cl-diagram .cl-node.join .cl-label { font-size: 13px; }
.cl-diagram .cl-emphasis { fill: var(--vscode-charts-orange, #d18616); }
.cl-diagram .cl-edge path { fill: none; stroke: var(--vscode-descriptionForeground, #717171); stroke-width: 1.2; }
.cl-diagram .cl-edge.identity path { stroke-dasharray: 2 2; }
.cl-diagram .cl-edge.aux path { stroke-dasharray: 4 3; }
.cl-diagram .cl-arrowhead { fill: var(--vscode-descriptionForeground, #717171); }
.cl-diagram .cl-edge-label { fill: var(--vscode-descriptionForeground, #616161); font-family: var(--vscode-editor-font-family, ui-monospace, monospace); font-size: ${DIAGRAM_FONT.edge}px; }
.cl-diagram .cl-frame { fill: var(--vscode-editor-foreground, #1f1f1f); fill-opacity: 0.04; stroke: var(--vscode-editorWidget-border, #c8c8c8); }
.cl-diagram .cl-group-label { fill: var(--vscode-descriptionForeground, #616161); font-size: ${DIAGRAM_FONT.detail}px; }
.cl-diagram .aux .cl-training-only, .cl-diagram .cl-training-only { fill: var(--vscode-charts-yellow, #b89500); font-weight: 600; }
.cl-diagram .cl-toggle rect { fill: var(--vscode-button-secondaryBackground, #e5e5e5); stroke: var(--vscode-focusBorder, #0078d4); }
.cl-diagram .cl-toggle text { fill: var(--vscode-button-secondaryForeground, #1f1f1f); font-size: 12px; font-weight: 700; }
.cl-diagram .cl-toggle, .cl-diagram .cl-node[data-line] { cursor: pointer; }
`;

/** The theme variables DIAGRAM_CSS reads (Save as SVG writes their current values into the file). */
export const DIAGRAM_THEME_VARIABLES: readonly string[] = [...new Set([...DIAGRAM_CSS.matchAll(/var\((--vscode-[\w-]+)/g)].map((match) => match[1]!))];

export function renderDiagramSvg(layout: DiagramLayout, options: SvgOptions = {}): string {
  const emphasis = options.emphasis ?? 'params';
  const weights = emphasisWeights(layout.nodes.map((placed) => placed.node), emphasis);
  const { width, height } = layout;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="cl-diagram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(`Architecture of ${layout.graph.title}`)}" data-emphasis="${emphasis}">`,
  );
  out.push(`<title>${escapeXml(layout.graph.title)}</title>`);
  if (options.standalone === true) {
    const theme = Object.entries(options.theme ?? {}).filter(([name, value]) => /^--vscode-[\w-]+$/.test(name) && value.trim() !== '' && !/[<>{};&]/.test(value));
    const variables = theme.length === 0 ? '' : `.cl-diagram { ${theme.map(([name, value]) => `${name}: ${value.trim()};`).join(' ')} }\n`;
    out.push(`<style>${variables}${DIAGRAM_CSS}</style>`);
    out.push(`<rect class="cl-background" x="0" y="0" width="${width}" height="${height}"/>`);
  }
  out.push('<defs><marker id="cl-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="cl-arrowhead" d="M0,0 L8,4 L0,8 z"/></marker></defs>');
  out.push('<g class="cl-groups">');
  for (const group of layout.groups) out.push(renderGroup(group));
  out.push('</g><g class="cl-edges">');
  for (const edge of layout.edges) out.push(renderEdge(edge));
  out.push('</g><g class="cl-nodes">');
  for (const node of layout.nodes) out.push(renderNode(node, weights.get(node.node.id)));
  out.push('</g></svg>');
  return out.join('\n');
}

/**
 * Each layer's emphasis in [0, 1]: the square root of its share of the largest count among
 * the nodes shown (an area-like scale: a layer with a quarter of the parameters gets half the bar).
 */
export function emphasisWeights(nodes: readonly DiagramNode[], emphasis: DiagramEmphasis): Map<string, number> {
  const valueOf = (node: DiagramNode): number | null => (emphasis === 'params' ? node.params : node.macs);
  let largest = 0;
  for (const node of nodes) largest = Math.max(largest, valueOf(node) ?? 0);
  const weights = new Map<string, number>();
  if (largest <= 0) return weights;
  for (const node of nodes) {
    const value = valueOf(node);
    if (value !== null && value > 0) weights.set(node.id, Math.sqrt(value / largest));
  }
  return weights;
}

function renderGroup({ group, x, y, width, height }: PlacedGroup): string {
  const headOfAux = group.layerKind === 'aux';
  const title = `${group.label} · ${group.layerKind}${headOfAux ? ' · ' : ''}`;
  const line = group.line === null ? '' : ` data-line="${group.line}"`;
  return [
    `<g class="cl-group ${classOf(group.layerKind)}${group.aux ? ' aux' : ''}" data-group="${escapeXml(group.id)}" data-kind="${escapeXml(group.layerKind)}"${line}>`,
    `<rect class="cl-frame" x="${r(x)}" y="${r(y)}" width="${r(width)}" height="${r(height)}" rx="6"/>`,
    `<g class="cl-toggle" data-toggle="${escapeXml(group.id)}" tabindex="0" role="button" aria-label="Collapse ${escapeXml(group.label)}"><rect x="${r(x + 4)}" y="${r(y + 3)}" width="14" height="14" rx="3"/><text x="${r(x + 11)}" y="${r(y + 14)}" text-anchor="middle">−</text></g>`,
    `<text class="cl-group-label" x="${r(x + 22)}" y="${r(y + 14)}">${escapeXml(title)}${headOfAux ? '<tspan class="cl-training-only">training only</tspan>' : ''}</text>`,
    '</g>',
  ].join('');
}

function renderEdge({ edge, points, labelAt }: PlacedEdge): string {
  const d = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${r(point.x)},${r(point.y)}`).join(' ');
  const classes = ['cl-edge', edge.aux ? 'aux' : '', edge.identity ? 'identity' : ''].filter(Boolean).join(' ');
  return [
    `<g class="${classes}" data-from="${escapeXml(edge.from)}" data-to="${escapeXml(edge.to)}">`,
    `<path d="${d}" marker-end="url(#cl-arrow)"/>`,
    edge.label === '' ? '' : `<text class="cl-edge-label" x="${r(labelAt.x - 2)}" y="${r(labelAt.y + 3)}">${escapeXml(edge.label)}</text>`,
    '</g>',
  ].join('');
}

function renderNode({ node, x, y, width, height }: PlacedNode, weight: number | undefined): string {
  const classes = ['cl-node', node.kind, classOf(node.layerKind), node.aux ? 'aux' : ''].filter(Boolean).join(' ');
  const attributes = [`class="${classes}"`, `data-node="${escapeXml(node.id)}"`, `data-kind="${escapeXml(node.layerKind)}"`];
  if (node.line !== null) attributes.push(`data-line="${node.line}"`, 'tabindex="0"', 'role="button"');
  if (weight !== undefined) attributes.push(`data-weight="${weight.toFixed(3)}"`);
  const tooltip = [node.label, node.detail, node.params === null ? '' : `${node.params.toLocaleString('en-US')} params`, node.macs === null ? '' : `${node.macs.toLocaleString('en-US')} MACs`, node.aux ? 'training only' : '', node.line === null ? '' : `line ${node.line}`]
    .filter(Boolean)
    .join(' · ');
  const parts = [`<g ${attributes.join(' ')}>`, `<title>${escapeXml(tooltip)}</title>`];
  if (node.kind === 'join') {
    const cx = x + width / 2;
    const cy = y + height / 2;
    parts.push(`<circle class="cl-box" cx="${r(cx)}" cy="${r(cy)}" r="${r(width / 2)}"/>`, `<text class="cl-label" x="${r(cx)}" y="${r(cy + 4.5)}" text-anchor="middle">${escapeXml(node.label)}</text>`);
  } else {
    const rounded = node.kind === 'input' || node.kind === 'output' || node.kind === 'image' ? height / 2 : 4;
    parts.push(`<rect class="cl-box" x="${r(x)}" y="${r(y)}" width="${r(width)}" height="${r(height)}" rx="${r(rounded)}"/>`);
    if (weight !== undefined) parts.push(`<rect class="cl-emphasis" x="${r(x + 1)}" y="${r(y + height - 4)}" width="${r(Math.max(1, (width - 2) * weight))}" height="3"/>`);
    // An aux head says so once: on its own node (collapsed) or its group's title (expanded).
    const headOfAux = node.layerKind === 'aux';
    const detail = headOfAux ? `${node.detail} · ` : node.detail;
    parts.push(
      `<text class="cl-label" x="${r(x + width / 2)}" y="${r(y + 16)}" text-anchor="middle">${escapeXml(node.label)}</text>`,
      `<text class="cl-detail" x="${r(x + width / 2)}" y="${r(y + 30)}" text-anchor="middle">${escapeXml(detail)}${headOfAux ? '<tspan class="cl-training-only">training only</tspan>' : ''}</text>`,
    );
    if (node.kind === 'collapsed') {
      parts.push(
        `<g class="cl-toggle" data-toggle="${escapeXml(node.id)}" tabindex="0" role="button" aria-label="Expand ${escapeXml(node.label)}"><rect x="${r(x + width - 18)}" y="${r(y + 4)}" width="14" height="14" rx="3"/><text x="${r(x + width - 11)}" y="${r(y + 15)}" text-anchor="middle">+</text></g>`,
      );
    }
  }
  parts.push('</g>');
  return parts.join('');
}

/** A class from a layer kind (`conv2d` → `k-conv2d`), only letters and digits kept. */
function classOf(kind: string): string {
  return `k-${kind.replace(/[^A-Za-z0-9]/g, '')}`;
}

function r(value: number): string {
  return String(Math.round(value * 10) / 10);
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[character]!);
}
