/**
 * A line chart of the Training tab (browser only), drawn by uPlot (a maintained canvas chart
 * library, about 50 KB): axes, grid, curves, epoch markers. What to draw comes from the pure
 * scale.ts (`chartDomains`, `alignSeries`); colours are the theme's (`--cl-*`, resolved at
 * draw time, so a theme change redraws in the new colours). uPlot sets its elements' styles
 * through the CSSOM, which the panel's CSP allows; its stylesheet is bundled into panel.css.
 */
import uPlot from 'uplot';
import { cssColour, h, setHidden, setText } from './dom';
import { alignSeries, chartDomains, formatTick, tickStep, type ChartDomains, type ChartSpec } from './scale';

export type ChartData = Omit<ChartSpec, 'width' | 'height'>;

export class LineChart {
  readonly element: HTMLElement;
  private readonly host = h('div', { class: 'chart-plot' });
  private readonly empty = h('div', { class: 'chart-empty muted', text: 'No points yet' });
  private readonly legend = h('div', { class: 'legend' });
  private plot: uPlot | null = null;
  /** What the uPlot instance was made for (series, colours, font); anything else is new data. */
  private made = '';
  private domains: ChartDomains = { x: [0, 1], y: [0, 1] };
  private draws = 0;

  constructor(readonly id: string, private readonly title: string, private readonly height = 220) {
    this.element = h('figure', { class: 'chart', data: { chart: id } }, h('figcaption', { class: 'chart-title', text: title }), this.host, this.empty, this.legend);
  }

  /** Redraws at the chart's current width; a hidden chart (width 0) is skipped and reports false. */
  draw(data: ChartData): boolean {
    const width = Math.floor(this.element.clientWidth);
    if (width <= 0) return false;
    const muted = cssColour(this.element, '--cl-muted', '#9d9d9d');
    const grid = cssColour(this.element, '--cl-grid', 'rgba(128, 128, 128, 0.25)');
    const font = `11px ${cssColour(this.element, '--cl-font', 'sans-serif')}`;
    const colours = data.series.map((series) => cssColour(this.element, series.colour));
    this.domains = chartDomains(data);
    const aligned = alignSeries(data.series);
    const made = JSON.stringify([data.series.map((series) => [series.id, series.label, series.dashed, series.markers, series.lineWidth]), colours, muted, grid, font, data.yPercent]);
    if (this.plot === null || made !== this.made) {
      this.plot?.destroy();
      this.plot = new uPlot(this.options(data, colours, { muted, grid, font }, width), aligned, this.host);
      this.made = made;
    } else {
      if (this.plot.width !== width) this.plot.setSize({ width, height: this.height });
      // setData ranges the scales again: they read this.domains.
      this.plot.setData(aligned);
    }
    setHidden(this.empty, aligned[0].length > 0);
    this.renderLegend(data);
    this.draws++;
    this.markCanvas(this.plot);
    return true;
  }

  setTitle(title: string): void {
    const caption = this.element.querySelector('figcaption');
    if (caption !== null) setText(caption, title);
  }

  private options(data: ChartData, colours: readonly string[], theme: { muted: string; grid: string; font: string }, width: number): uPlot.Options {
    const axis = (values: uPlot.Axis['values'], size: number): uPlot.Axis => ({
      stroke: theme.muted,
      font: theme.font,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { show: false },
      values,
      size,
    });
    const yLabel = (value: number, step: number): string => (data.yPercent === true ? `${formatTick(value * 100, step * 100)}%` : formatTick(value, step));
    return {
      width,
      height: this.height,
      legend: { show: false },
      cursor: { show: false },
      // uPlot commits a new size or new data on its own schedule: the box is read once drawn.
      hooks: { draw: [(plot) => this.markCanvas(plot)] },
      scales: {
        x: { time: false, range: () => [this.domains.x[0], this.domains.x[1]] },
        y: { range: () => [this.domains.y[0], this.domains.y[1]] },
      },
      axes: [
        // Epochs are whole numbers: no 0.5-epoch ticks.
        { ...axis((_, splits) => splits.map((value) => String(value)), 24), incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
        axis((_, splits) => {
          const step = splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) : tickStep(this.domains.y[0], this.domains.y[1], 4);
          return splits.map((value) => yLabel(value, step));
        }, 48),
      ],
      series: [
        { label: 'epoch' },
        ...data.series.map((series, index): uPlot.Series => ({
          label: series.label,
          stroke: colours[index]!,
          width: series.lineWidth ?? 2,
          ...(series.dashed === true ? { dash: [4, 3] } : {}),
          spanGaps: false,
          points: series.markers === true ? { show: true, size: 6, width: 0, fill: colours[index]!, stroke: colours[index]! } : { show: false },
        })),
      ],
    };
  }

  /**
   * The canvas carries the chart's name, its draw count and where its plot is (`data-plot`:
   * the plotting box in canvas pixels and the x and y ranges), which the browser suite
   * checks pixels against.
   */
  private markCanvas(plot: uPlot): void {
    const canvas = plot.root.querySelector('canvas');
    if (canvas === null) return;
    canvas.classList.add('chart-canvas');
    canvas.dataset['chart'] = this.id;
    canvas.dataset['draws'] = String(this.draws);
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', this.title);
    const { left, top, width, height } = plot.bbox;
    canvas.dataset['plot'] = JSON.stringify({ left, top, width, height, x: this.domains.x, y: this.domains.y });
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
}

function lastValue(points: ChartData['series'][number]['points']): number | null {
  for (let i = points.length - 1; i >= 0; i--) {
    const y = points[i]!.y;
    if (y !== null && Number.isFinite(y)) return y;
  }
  return null;
}
