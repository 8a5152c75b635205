/**
 * The architecture diagram of the Summary tab (browser only): the picture `convlens summary
 * --diagram` writes, from the same module (convlens/diagram: graph, dagre layout, SVG), drawn
 * from the summary the panel already has, so it follows edits with the table. Clicking a
 * layer reveals its line; a container's +/− opens or closes it; the bar under each node
 * shows its parameters or MACs (a toggle); Save as SVG / PNG hand the picture to the
 * extension, which asks where to write it.
 *
 * CSP: the SVG has no style attributes and no script; its stylesheet (DIAGRAM_CSS) is adopted
 * as a constructed stylesheet, as the @vscode-elements components adopt theirs.
 */
import { buildDiagram, DIAGRAM_CSS, DIAGRAM_THEME_VARIABLES, layoutDiagram, renderDiagramSvg, type DiagramEmphasis, type DiagramLayout } from 'convlens/diagram';
import type { SummarySnapshot } from '../protocol';
import type { PanelContext } from './context';
import { h, replaceChildren, setText } from './dom';

/** Largest PNG side in pixels (Chromium's canvas limit is 16,384 and beyond a screen nobody reads it). */
const PNG_MAX_SIDE = 8_192;

let adopted = false;

function adoptStylesheet(): void {
  if (adopted) return;
  adopted = true;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(DIAGRAM_CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

export class DiagramView {
  readonly element: HTMLElement;
  private readonly canvas = h('div', { class: 'diagram-canvas', attrs: { tabindex: -1 } });
  private readonly note = h('p', { class: 'muted diagram-note' });
  private readonly emphasisButtons: Record<DiagramEmphasis, HTMLElement>;
  private summary: SummarySnapshot | null = null;
  private layout: DiagramLayout | null = null;
  /** Containers the user opened or closed, by tree path; kept across edits of the model. */
  private readonly expanded = new Map<string, boolean>();
  private emphasis: DiagramEmphasis = 'params';

  constructor(private readonly context: PanelContext) {
    adoptStylesheet();
    const emphasisButton = (value: DiagramEmphasis, label: string): HTMLElement => {
      const button = h('vscode-button', { class: 'diagram-emphasis', text: label, data: { emphasis: value }, attrs: { secondary: value !== this.emphasis } });
      button.addEventListener('click', () => this.setEmphasis(value));
      return button;
    };
    this.emphasisButtons = { params: emphasisButton('params', 'Params'), macs: emphasisButton('macs', 'MACs') };
    const save = (format: 'svg' | 'png', label: string): HTMLElement => {
      const button = h('vscode-button', { class: 'diagram-save', text: label, data: { format }, attrs: { secondary: true } });
      button.addEventListener('click', () => void this.save(format));
      return button;
    };
    this.element = h(
      'section',
      { class: 'diagram', attrs: { 'aria-label': 'Architecture diagram' } },
      h(
        'div',
        { class: 'diagram-toolbar' },
        h('h3', { text: 'Architecture' }),
        h('span', { class: 'diagram-spacer' }),
        h('span', { class: 'muted', text: 'Emphasis:' }),
        this.emphasisButtons.params,
        this.emphasisButtons.macs,
        save('svg', 'Save as SVG'),
        save('png', 'Save as PNG'),
      ),
      this.note,
      this.canvas,
    );
    this.canvas.addEventListener('click', (event) => this.onClick(event));
    this.canvas.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') this.onClick(event);
    });
  }

  render(summary: SummarySnapshot | null): void {
    if (summary === this.summary) return;
    this.summary = summary;
    this.element.hidden = summary === null;
    this.draw();
  }

  private draw(): void {
    const summary = this.summary;
    if (summary === null) {
      replaceChildren(this.canvas);
      this.layout = null;
      return;
    }
    const started = performance.now();
    const graph = buildDiagram(summary, { expanded: this.expanded });
    const layout = layoutDiagram(graph);
    const svg = parseSvg(renderDiagramSvg(layout, { emphasis: this.emphasis }));
    replaceChildren(this.canvas, svg);
    this.layout = layout;
    const elapsed = performance.now() - started;
    // Read by the browser suite, which reports ResNet-152's time (not a timed test).
    this.canvas.dataset['renderMs'] = elapsed.toFixed(1);
    const layers = graph.nodes.filter((node) => node.kind === 'layer' || node.kind === 'collapsed').length;
    const closed = graph.nodes.filter((node) => node.kind === 'collapsed').length;
    setText(this.note, `${layers} nodes${closed > 0 ? `, ${closed} collapsed (+ to open)` : ''} · click a layer to reveal its source`);
  }

  private setEmphasis(emphasis: DiagramEmphasis): void {
    if (emphasis === this.emphasis) return;
    this.emphasis = emphasis;
    for (const [value, button] of Object.entries(this.emphasisButtons)) {
      if (value === emphasis) button.removeAttribute('secondary');
      else button.setAttribute('secondary', '');
    }
    this.draw();
  }

  private onClick(event: Event): void {
    const target = event.target instanceof Element ? event.target : null;
    const toggle = target?.closest('[data-toggle]');
    if (toggle instanceof SVGElement || toggle instanceof HTMLElement) {
      const id = toggle.dataset['toggle'];
      if (id === undefined) return;
      // A group on screen is open: its toggle closes it; a collapsed node's opens it.
      const open = this.layout?.groups.some((group) => group.group.id === id) === true;
      this.expanded.set(id, !open);
      this.draw();
      return;
    }
    const node = target?.closest('[data-line]');
    const line = Number((node as SVGElement | HTMLElement | null)?.dataset['line']);
    if (Number.isInteger(line) && line >= 1) this.context.post({ type: 'revealLine', line });
  }

  /** The picture as a file of its own: the stylesheet embedded with the theme's current colours. */
  private standaloneSvg(): string | null {
    if (this.layout === null) return null;
    const style = getComputedStyle(document.documentElement);
    const theme = Object.fromEntries(DIAGRAM_THEME_VARIABLES.map((name) => [name, style.getPropertyValue(name)]));
    // Fonts as the panel shows them: the variables may be unset outside VS Code.
    const fontFamily = getComputedStyle(document.body).fontFamily;
    return renderDiagramSvg(this.layout, { emphasis: this.emphasis, standalone: true, theme: { ...theme, '--vscode-font-family': theme['--vscode-font-family'] || fontFamily } });
  }

  private async save(format: 'svg' | 'png'): Promise<void> {
    const svg = this.standaloneSvg();
    if (svg === null || this.layout === null) return;
    if (format === 'svg') {
      this.context.post({ type: 'saveDiagram', format, data: svg });
      return;
    }
    const png = await toPng(svg, this.layout.width, this.layout.height);
    if (png !== null) this.context.post({ type: 'saveDiagram', format, data: png });
  }
}

function parseSvg(text: string): Element {
  const parsed = new DOMParser().parseFromString(text, 'image/svg+xml');
  return document.importNode(parsed.documentElement, true);
}

/** The SVG drawn into a canvas at twice its size (at most PNG_MAX_SIDE a side), as base64 PNG. */
async function toPng(svg: string, width: number, height: number): Promise<string | null> {
  const scale = Math.min(2, PNG_MAX_SIDE / Math.max(width, height, 1));
  const image = new Image();
  // A data: URL (the CSP's img-src allows data:) draws without tainting the canvas.
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  try {
    await image.decode();
  } catch (error) {
    console.warn('[convlens] could not render the diagram as PNG:', error);
    return null;
  }
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext('2d');
  if (context === null) return null;
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
}
