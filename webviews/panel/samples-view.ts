/**
 * The GAN samples tab (browser only): the fixed-latent grid as it evolves, a timeline over
 * every grid received, and latent interpolation between two picked cells.
 */
import type { PanelContext } from './context';
import { cssColour, h, setFlag, setHidden, setText, sizeCanvas, valueOf } from './dom';
import { cellAt } from './grid';
import { requestedInterpolation, setSteps, setTimeline, shownGrid, timelineIndex, toggleSample, type PanelState, type SampleGrid } from './state';

const MAX_GRID_WIDTH = 448;

export class SamplesView {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly slider = h('input', { class: 'timeline', attrs: { type: 'range', min: 0, max: 0, value: 0, step: 1, 'aria-label': 'Sample timeline' } });
  private readonly timelineLabel = h('span', { class: 'timeline-label' });
  private readonly empty = h('p', { class: 'empty', text: 'No samples yet: train the GAN; a grid arrives after every epoch.' });
  private readonly stepsField = h('vscode-textfield', { class: 'steps', attrs: { type: 'number', min: 2, max: 32, value: '8', 'aria-label': 'Interpolation steps' } });
  private readonly interpolateButton = h('vscode-button', { class: 'interpolate', text: 'Interpolate', attrs: { disabled: true } });
  private readonly selectionText = h('span', { class: 'muted selection-text' });
  private readonly interpolationImage = h('img', { class: 'interpolation', attrs: { alt: 'Latent interpolation' } });
  private readonly interpolationCaption = h('p', { class: 'muted interpolation-caption' });
  private readonly busy = h('vscode-progress-bar', { class: 'busy', attrs: { indeterminate: true } });
  private readonly message = h('p', { class: 'inspection-message' });
  private readonly images = new Map<string, HTMLImageElement>();
  private grid: SampleGrid | null = null;
  private drawnSize = { width: 0, height: 0 };
  private draws = 0;

  constructor(private readonly context: PanelContext) {
    this.canvas = h('canvas', { class: 'samples-grid', attrs: { role: 'img', 'aria-label': 'GAN samples' }, data: { draws: '0' } });
    this.slider.addEventListener('input', () => this.context.update((state) => setTimeline(state, Number(this.slider.value)), 'samples'));
    this.canvas.addEventListener('click', (event) => this.onCellClick(event));
    this.stepsField.addEventListener('change', () => this.context.update((state) => setSteps(state, Number(valueOf(this.stepsField))), 'samples'));
    this.interpolateButton.addEventListener('click', () => this.interpolate());
    this.element = h(
      'section',
      { class: 'tab-body samples', data: { tab: 'samples' } },
      this.empty,
      h('div', { class: 'timeline-row' }, this.slider, this.timelineLabel),
      h('div', { class: 'samples-frame' }, this.canvas),
      h(
        'section',
        { class: 'interpolation-box' },
        h('h3', { text: 'Latent interpolation' }),
        h('p', { class: 'muted', text: 'Click two samples in the grid, then interpolate between their latent vectors.' }),
        h('div', { class: 'toolbar' }, this.selectionText, h('span', { class: 'muted', text: 'steps' }), this.stepsField, this.interpolateButton),
        this.busy,
        this.message,
        this.interpolationImage,
        this.interpolationCaption,
      ),
    );
  }

  render(state: PanelState): boolean {
    const samples = state.samples;
    const grid = shownGrid(samples);
    setHidden(this.empty, grid !== null);
    setHidden(this.slider.parentElement as HTMLElement, samples.grids.length === 0);
    const count = samples.grids.length;
    const position = timelineIndex(samples);
    this.slider.max = String(Math.max(0, count - 1));
    this.slider.value = String(Math.max(0, position));
    this.slider.disabled = count < 2;
    setText(this.timelineLabel, grid === null ? '' : `epoch ${grid.epoch} · grid ${position + 1} of ${count}${samples.position === null ? ' (latest)' : ''}`);
    const [from, to] = samples.selection;
    setText(this.selectionText, from === undefined ? 'No samples picked' : to === undefined ? `A = #${from}; pick B` : `A = #${from}, B = #${to}`);
    setFlag(this.interpolateButton, 'disabled', samples.selection.length !== 2 || samples.pending !== null);
    if (valueOf(this.stepsField) !== String(samples.steps) && document.activeElement !== this.stepsField) (this.stepsField as unknown as { value: string }).value = String(samples.steps);
    setHidden(this.busy, samples.pending === null);
    setText(this.message, samples.message ?? '');
    setHidden(this.message, (samples.message ?? null) === null);
    const interpolation = samples.interpolation;
    setHidden(this.interpolationImage, interpolation === null);
    if (interpolation !== null) {
      const source = `data:image/png;base64,${interpolation.png}`;
      if (this.interpolationImage.getAttribute('src') !== source) this.interpolationImage.setAttribute('src', source);
      setText(this.interpolationCaption, interpolation.from !== null && interpolation.to !== null ? `#${interpolation.from} → #${interpolation.to} in ${interpolation.steps} steps` : `${interpolation.steps} steps`);
    } else setText(this.interpolationCaption, '');
    this.grid = grid;
    setHidden(this.canvas, grid === null);
    if (grid === null) return true;
    return this.drawGrid(grid, samples.selection);
  }

  private drawGrid(grid: SampleGrid, selection: readonly number[]): boolean {
    const image = this.image(grid.png);
    if (!image.complete || image.naturalWidth === 0) {
      image.addEventListener('load', () => this.context.update((state) => state, 'samples'), { once: true });
      return true;
    }
    const available = Math.floor(this.canvas.parentElement?.clientWidth ?? 0);
    if (available <= 0) return false;
    const natural = image.naturalWidth;
    const fit = Math.min(available, MAX_GRID_WIDTH) / natural;
    const scale = fit >= 1 ? Math.floor(fit) : fit;
    const width = Math.round(natural * scale);
    const height = Math.round(image.naturalHeight * scale);
    const context = sizeCanvas(this.canvas, width, height);
    if (context === null) return false;
    context.imageSmoothingEnabled = scale < 1;
    context.drawImage(image, 0, 0, width, height);
    this.drawnSize = { width, height };
    const cellWidth = width / grid.columns;
    const cellHeight = height / grid.rows;
    context.lineWidth = 2;
    context.font = `bold 12px ${cssColour(this.canvas, '--cl-font', 'sans-serif')}`;
    context.textBaseline = 'top';
    selection.forEach((cell, index) => {
      const x = (cell % grid.columns) * cellWidth;
      const y = Math.floor(cell / grid.columns) * cellHeight;
      const colour = cssColour(this.canvas, index === 0 ? '--cl-pick-a' : '--cl-pick-b', index === 0 ? '#3794ff' : '#d18616');
      context.strokeStyle = colour;
      context.strokeRect(x + 1, y + 1, cellWidth - 2, cellHeight - 2);
      context.fillStyle = colour;
      context.fillRect(x + 1, y + 1, 14, 15);
      context.fillStyle = '#ffffff';
      context.fillText(index === 0 ? 'A' : 'B', x + 4, y + 2);
    });
    this.draws++;
    this.canvas.dataset['draws'] = String(this.draws);
    this.canvas.dataset['epoch'] = String(grid.epoch);
    return true;
  }

  private image(png: string): HTMLImageElement {
    let image = this.images.get(png);
    if (image === undefined) {
      image = new Image();
      image.src = `data:image/png;base64,${png}`;
      // A small cache: the timeline scrubs back and forth over the same grids.
      if (this.images.size > 80) this.images.delete(this.images.keys().next().value as string);
      this.images.set(png, image);
    }
    return image;
  }

  private onCellClick(event: MouseEvent): void {
    const grid = this.grid;
    if (grid === null) return;
    const rect = this.canvas.getBoundingClientRect();
    const cell = cellAt(event.clientX - rect.left, event.clientY - rect.top, rect.width || this.drawnSize.width, rect.height || this.drawnSize.height, grid.rows, grid.columns);
    if (cell !== null) this.context.update((state) => toggleSample(state, cell), 'samples');
  }

  private interpolate(): void {
    const state = this.context.state();
    const [from, to] = state.samples.selection;
    if (from === undefined || to === undefined || state.samples.pending !== null) return;
    const steps = Math.max(2, Math.min(32, Math.round(Number(valueOf(this.stepsField))) || state.samples.steps));
    this.context.update((current) => requestedInterpolation(setSteps(current, steps), from, to), 'samples');
    this.context.post({ type: 'interpolate', from, to, steps });
  }
}
