/** A line chart on <canvas> (browser only): strokes what scale.ts computes. */
import { cssColour, h, setText, sizeCanvas } from './dom';
import { chartGeometry, type ChartSpec } from './scale';

export type ChartData = Omit<ChartSpec, 'width' | 'height'>;

export class LineChart {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly legend: HTMLElement;
  private draws = 0;

  constructor(readonly id: string, title: string, private readonly height = 220) {
    this.canvas = h('canvas', { class: 'chart-canvas', attrs: { 'aria-label': title, role: 'img' }, data: { chart: id, draws: '0' } });
    this.legend = h('div', { class: 'legend' });
    this.element = h('figure', { class: 'chart', data: { chart: id } }, h('figcaption', { class: 'chart-title', text: title }), this.canvas, this.legend);
  }

  /** Redraws at the canvas's current width; a hidden chart (width 0) is skipped and reports false. */
  draw(data: ChartData): boolean {
    const width = Math.floor(this.canvas.parentElement?.clientWidth ?? 0);
    if (width <= 0) return false;
    const context = sizeCanvas(this.canvas, width, this.height);
    if (context === null) return false;
    const geometry = chartGeometry({ ...data, width, height: this.height });
    const foreground = cssColour(this.canvas, '--cl-muted', '#9d9d9d');
    const grid = cssColour(this.canvas, '--cl-grid', 'rgba(128, 128, 128, 0.25)');
    const font = cssColour(this.canvas, '--cl-font', 'sans-serif');
    const { plot } = geometry;

    context.lineWidth = 1;
    context.strokeStyle = grid;
    context.fillStyle = foreground;
    context.font = `11px ${font}`;
    context.textAlign = 'right';
    context.textBaseline = 'middle';
    for (const tick of geometry.yTicks) {
      const y = Math.round(tick.pixel) + 0.5;
      context.beginPath();
      context.moveTo(plot.x, y);
      context.lineTo(plot.x + plot.width, y);
      context.stroke();
      context.fillText(tick.label, plot.x - 6, y);
    }
    context.textAlign = 'center';
    context.textBaseline = 'top';
    const every = Math.max(1, Math.ceil(geometry.xTicks.length / Math.max(2, Math.floor(plot.width / 40))));
    geometry.xTicks.forEach((tick, index) => {
      if (index % every !== 0) return;
      context.fillText(tick.label, tick.pixel, plot.y + plot.height + 6);
    });
    context.strokeStyle = foreground;
    context.beginPath();
    context.moveTo(plot.x + 0.5, plot.y);
    context.lineTo(plot.x + 0.5, plot.y + plot.height + 0.5);
    context.lineTo(plot.x + plot.width, plot.y + plot.height + 0.5);
    context.stroke();
    context.textAlign = 'right';
    context.fillText('epoch', plot.x - 10, plot.y + plot.height + 6);

    context.save();
    context.beginPath();
    context.rect(plot.x, plot.y - 4, plot.width + 4, plot.height + 8);
    context.clip();
    context.lineJoin = 'round';
    context.lineCap = 'round';
    for (const path of geometry.paths) {
      const colour = cssColour(this.canvas, path.colour);
      context.strokeStyle = colour;
      context.fillStyle = colour;
      context.lineWidth = path.lineWidth;
      context.setLineDash(path.dashed ? [4, 3] : []);
      for (const segment of path.segments) {
        context.beginPath();
        segment.forEach(([x, y], index) => (index === 0 ? context.moveTo(x, y) : context.lineTo(x, y)));
        context.stroke();
        if (path.markers) {
          for (const [x, y] of segment) {
            context.beginPath();
            context.arc(x, y, 3, 0, Math.PI * 2);
            context.fill();
          }
        }
      }
    }
    context.restore();
    if (geometry.empty) {
      context.fillStyle = foreground;
      context.textAlign = 'center';
      context.textBaseline = 'middle';
      context.fillText('No points yet', plot.x + plot.width / 2, plot.y + plot.height / 2);
    }
    this.renderLegend(data);
    this.draws++;
    this.canvas.dataset['draws'] = String(this.draws);
    return true;
  }

  private renderLegend(data: ChartData): void {
    const entries = data.series.filter((series) => !series.id.endsWith('-live'));
    const key = entries.map((series) => `${series.id}:${lastValue(series.points)}`).join('|');
    if (this.legend.dataset['key'] === key) return;
    this.legend.dataset['key'] = key;
    this.legend.replaceChildren(
      ...entries.map((series) => {
        const swatch = h('span', { class: 'swatch' });
        swatch.style.background = series.colour.startsWith('--') ? `var(${series.colour})` : series.colour;
        const value = lastValue(series.points);
        const label = h('span', { class: 'legend-entry', data: { series: series.id } }, swatch, h('span', { text: series.label }));
        if (value !== null) label.append(h('span', { class: 'legend-value', text: data.yPercent === true ? `${(value * 100).toFixed(2)}%` : value.toPrecision(4) }));
        return label;
      }),
    );
  }

  setTitle(title: string): void {
    const caption = this.element.querySelector('figcaption');
    if (caption !== null) setText(caption, title);
  }
}

function lastValue(points: ChartData['series'][number]['points']): number | null {
  for (let i = points.length - 1; i >= 0; i--) {
    const y = points[i]!.y;
    if (y !== null && Number.isFinite(y)) return y;
  }
  return null;
}
