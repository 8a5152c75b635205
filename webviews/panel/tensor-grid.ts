/** A tensor's channels as a colour-mapped grid on one canvas, with a value-range legend (browser only). */
import type { TensorSnapshot } from '../protocol';
import { displayRange, lookupTable, paintTile, type ColourMapName } from './colormap';
import { h, setText, sizeCanvas } from './dom';
import { formatValue } from './format';
import { channelAt, gridLayout, tilesOf, tileOrigin, type GridLayout, type GridOptions } from './grid';
import { niceTicks } from './scale';

export class TensorGrid {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly legendBar: HTMLCanvasElement;
  private readonly legendLabels = h('div', { class: 'legend-labels' });
  private readonly readout = h('div', { class: 'readout muted', text: '\u00a0' });
  private layout: GridLayout | null = null;
  private tensor: TensorSnapshot | null = null;
  private draws = 0;

  /**
   * `onUnit` hears which unit (channel, row, column) the pointer is over ('hover'; null when it
   * leaves the tiles) and which one is clicked ('click').
   */
  constructor(
    readonly id: string,
    private readonly map: ColourMapName,
    private readonly options: GridOptions = {},
    private readonly onUnit?: (event: 'hover' | 'click', unit: { channel: number; row: number; column: number } | null) => void,
  ) {
    this.canvas = h('canvas', { class: 'tensor-grid', data: { grid: id, draws: '0' }, attrs: { role: 'img' } });
    this.legendBar = h('canvas', { class: 'legend-bar', data: { legend: id } });
    this.element = h('div', { class: 'tensor-view', data: { grid: id } }, h('div', { class: 'legend-box' }, this.legendBar, this.legendLabels), this.canvas, this.readout);
    this.canvas.addEventListener('mousemove', (event) => this.onHover(event));
    this.canvas.addEventListener('mouseleave', () => {
      setText(this.readout, '\u00a0');
      this.onUnit?.('hover', null);
    });
    this.canvas.addEventListener('click', (event) => {
      const hit = this.unitAt(event);
      if (hit !== null) this.onUnit?.('click', hit);
    });
  }

  /** Draws at the container's width; false when hidden (width 0) or the shape is not drawable. */
  draw(tensor: TensorSnapshot, label: (channel: number) => string = (channel) => `channel ${channel}`): boolean {
    this.tensor = tensor;
    this.label = label;
    const tiles = tilesOf(tensor.shape);
    const width = Math.floor(this.element.clientWidth);
    if (tiles === null || width <= 0) return false;
    const layout = gridLayout(tiles.channels, tiles.height, tiles.width, width, this.options);
    this.layout = layout;
    const context = sizeCanvas(this.canvas, layout.width, layout.height);
    if (context === null) return false;
    const tile = document.createElement('canvas');
    tile.width = tiles.width;
    tile.height = tiles.height;
    const tileContext = tile.getContext('2d');
    if (tileContext === null) return false;
    const image = tileContext.createImageData(tiles.width, tiles.height);
    const range = { min: tensor.min, max: tensor.max };
    context.imageSmoothingEnabled = layout.scale < 1;
    for (let channel = 0; channel < tiles.channels; channel++) {
      paintTile(tensor.values, channel * tiles.width * tiles.height, tiles.width, tiles.height, this.map, range, image.data);
      tileContext.putImageData(image, 0, 0);
      const origin = tileOrigin(layout, channel);
      context.drawImage(tile, origin.x, origin.y, layout.cellWidth, layout.cellHeight);
    }
    this.drawLegend(tensor);
    this.draws++;
    this.canvas.dataset['draws'] = String(this.draws);
    this.canvas.dataset['columns'] = String(layout.columns);
    this.canvas.dataset['scale'] = String(layout.scale);
    return true;
  }

  private label: (channel: number) => string = (channel) => `channel ${channel}`;

  private drawLegend(tensor: TensorSnapshot): void {
    const range = displayRange(this.map, { min: tensor.min, max: tensor.max });
    const width = 256;
    const context = sizeCanvas(this.legendBar, width, 10);
    if (context !== null) {
      const table = lookupTable(this.map);
      for (let x = 0; x < width; x++) {
        context.fillStyle = `rgb(${table[x * 3]}, ${table[x * 3 + 1]}, ${table[x * 3 + 2]})`;
        context.fillRect(x, 0, 1, 10);
      }
    }
    const ticks = range.max > range.min ? niceTicks(range.min, range.max, 4) : [range.min];
    const labels = [h('span', { class: 'legend-min', text: formatValue(range.min) })];
    for (const tick of ticks) {
      const position = range.max > range.min ? (tick - range.min) / (range.max - range.min) : 0;
      if (position < 0.12 || position > 0.88) continue;
      const label = h('span', { class: 'legend-tick', text: formatValue(tick) });
      label.style.left = `${(position * 100).toFixed(2)}%`;
      labels.push(label);
    }
    labels.push(h('span', { class: 'legend-max', text: formatValue(range.max) }));
    this.legendLabels.replaceChildren(...labels);
  }

  /** The unit under the pointer, or null in a gap or before the first draw. */
  private unitAt(event: MouseEvent): { channel: number; row: number; column: number } | null {
    if (this.layout === null) return null;
    const rect = this.canvas.getBoundingClientRect();
    return channelAt(this.layout, event.clientX - rect.left, event.clientY - rect.top);
  }

  private onHover(event: MouseEvent): void {
    const layout = this.layout;
    const tensor = this.tensor;
    if (layout === null || tensor === null) return;
    const hit = this.unitAt(event);
    this.onUnit?.('hover', hit);
    if (hit === null) {
      setText(this.readout, '\u00a0');
      return;
    }
    const value = tensor.values[hit.channel * layout.tileWidth * layout.tileHeight + hit.row * layout.tileWidth + hit.column];
    const where = layout.tileWidth * layout.tileHeight > 1 ? ` · (${hit.row}, ${hit.column})` : '';
    setText(this.readout, `${this.label(hit.channel)}${where} = ${formatValue(value)}`);
  }
}
