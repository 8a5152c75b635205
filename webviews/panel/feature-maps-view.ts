/**
 * The Feature maps tab (browser only): pick an input (test sample, image file, drawn digit)
 * and a layer; the input as the network received it; every channel as a colour-mapped grid
 * with the layer's value range; the first layer's filters; the top-k predictions.
 */
import { describeInspectionInput, type InputImage, type InspectionInput } from '../protocol';
import type { PanelContext } from './context';
import { DrawingPad, DIGIT_SIZE } from './drawing-pad';
import { h, replaceChildren, setHidden, setText, valueOf } from './dom';
import { formatPercent, formatValue } from './format';
import { tilesOf } from './grid';
import { describeInputImage, inputImageDisplaySize, inputImageRgba } from './input-image';
import { requestedFeatureMaps, selectLayer, setSampleIndex, type PanelState } from './state';
import { TensorGrid } from './tensor-grid';

const TOP_K = 5;

export class FeatureMapsView {
  readonly element: HTMLElement;
  private readonly layerSelect = h('vscode-single-select', { class: 'layer-select', attrs: { 'aria-label': 'Layer' } });
  private readonly sampleField = h('vscode-textfield', { class: 'sample-index', attrs: { type: 'number', min: 0, value: '0', 'aria-label': 'Test sample index' } });
  private readonly busy = h('vscode-progress-bar', { class: 'busy', attrs: { indeterminate: true } });
  private readonly message = h('p', { class: 'inspection-message' });
  private readonly mapsHeading = h('h3', { class: 'maps-heading', text: 'Feature maps' });
  private readonly mapsInfo = h('p', { class: 'maps-info muted', text: 'Pick an input and a layer to see its feature maps.' });
  private readonly maps = new TensorGrid('maps', 'viridis');
  private readonly filtersSection: HTMLElement;
  private readonly filtersInfo = h('p', { class: 'muted filters-info' });
  private readonly filters = new TensorGrid('filters', 'diverging', { maxTile: 64 });
  private readonly predictionsSection: HTMLElement;
  private readonly predictions = h('ol', { class: 'predictions' });
  private readonly pad: DrawingPad;
  private readonly inputCanvas = h('canvas', { class: 'input-image-canvas', attrs: { width: 1, height: 1, role: 'img' }, data: { paints: '0' } });
  private readonly inputCaption = h('figcaption', { class: 'input-image-caption' });
  private readonly inputSize = h('span', { class: 'muted small input-image-size' });
  private readonly inputFigure: HTMLElement;
  private paintedImage: InputImage | null = null;
  private paints = 0;
  private layersKey = '';

  constructor(private readonly context: PanelContext) {
    this.pad = new DrawingPad((pixels) => this.request({ source: 'drawing', width: DIGIT_SIZE, height: DIGIT_SIZE, pixels }));
    const showSample = h('vscode-button', { class: 'show-sample', text: 'Show' });
    showSample.addEventListener('click', () => this.requestSample());
    this.sampleField.addEventListener('keydown', (event) => {
      if ((event as KeyboardEvent).key === 'Enter') this.requestSample();
    });
    const imageButton = h('vscode-button', { class: 'image-file', text: 'Image file…', attrs: { secondary: true } });
    imageButton.addEventListener('click', () => this.request({ source: 'imageFile' }));
    this.layerSelect.addEventListener('change', () => this.onLayerChange());
    this.predictionsSection = h('section', { class: 'predictions-box' }, h('h3', { text: `Top-${TOP_K} predictions` }), this.predictions);
    this.filtersSection = h('section', { class: 'filters-box' }, h('h3', { text: 'First-layer filters' }), this.filtersInfo, this.filters.element);
    this.inputFigure = h(
      'figure',
      { class: 'input-image', title: 'The input as the network received it: resized to the model’s input, before normalisation' },
      h('span', { class: 'muted', text: 'Network input' }),
      this.inputCanvas,
      this.inputCaption,
      this.inputSize,
    );
    this.element = h(
      'section',
      { class: 'tab-body feature-maps', data: { tab: 'featureMaps' } },
      h(
        'div',
        { class: 'inputs' },
        h(
          'div',
          { class: 'input-column' },
          h('label', { class: 'field' }, h('span', { class: 'muted', text: 'Layer' }), this.layerSelect),
          h('label', { class: 'field' }, h('span', { class: 'muted', text: 'Test sample' }), h('span', { class: 'row' }, this.sampleField, showSample)),
          h('div', { class: 'field' }, h('span', { class: 'muted', text: 'Or an image' }), imageButton),
        ),
        this.pad.element,
        this.inputFigure,
        this.predictionsSection,
      ),
      this.busy,
      this.message,
      h('section', { class: 'maps-box' }, this.mapsHeading, this.mapsInfo, this.maps.element),
      this.filtersSection,
    );
  }

  renderLayers(state: PanelState): void {
    const { layers, layer, busy, message, sampleIndex } = state.featureMaps;
    const key = layers.map((entry) => entry.name).join('\n');
    if (key !== this.layersKey) {
      this.layersKey = key;
      replaceChildren(
        this.layerSelect,
        ...layers.map((entry) => h('vscode-option', { text: `${entry.name} · ${entry.kind} · ${entry.output}`, attrs: { value: entry.name, selected: entry.name === layer } })),
      );
    }
    if (layer !== null && valueOf(this.layerSelect) !== layer) (this.layerSelect as unknown as { value: string }).value = layer;
    if (valueOf(this.sampleField) !== String(sampleIndex) && document.activeElement !== this.sampleField) (this.sampleField as unknown as { value: string }).value = String(sampleIndex);
    setHidden(this.busy, !busy);
    setText(this.message, message ?? '');
    setHidden(this.message, message === null);
  }

  /** The picture the maps are of, pixel for pixel (needs no width: drawn even while the tab is hidden). */
  renderInput(state: PanelState): void {
    const image = state.featureMaps.image;
    setHidden(this.inputFigure, image === null);
    if (image === this.paintedImage) return;
    this.paintedImage = image;
    if (image === null) return;
    setText(this.inputCaption, image.caption);
    setText(this.inputSize, describeInputImage(image));
    this.inputCanvas.setAttribute('aria-label', `The network's input: ${image.caption}, ${describeInputImage(image)}`);
    this.inputCanvas.width = image.width;
    this.inputCanvas.height = image.height;
    const shown = inputImageDisplaySize(image.width, image.height);
    this.inputCanvas.style.width = `${shown.width}px`;
    this.inputCanvas.style.height = `${shown.height}px`;
    const context = this.inputCanvas.getContext('2d');
    if (context === null) return;
    const data = context.createImageData(image.width, image.height);
    data.data.set(inputImageRgba(image));
    context.putImageData(data, 0, 0);
    this.paints++;
    this.inputCanvas.dataset['paints'] = String(this.paints);
  }

  renderMaps(state: PanelState): boolean {
    const maps = state.featureMaps.maps;
    if (maps === null) {
      setText(this.mapsHeading, 'Feature maps');
      setHidden(this.maps.element, true);
      return true;
    }
    setHidden(this.maps.element, false);
    const tiles = tilesOf(maps.tensor.shape);
    const layer = state.featureMaps.layers.find((entry) => entry.name === maps.layer);
    setText(this.mapsHeading, `Feature maps of ${maps.layer}${layer !== undefined ? ` (${layer.kind})` : ''}`);
    const shape = tiles === null ? maps.tensor.shape.join('×') : tiles.height * tiles.width === 1 ? `${tiles.channels} units` : `${tiles.channels} channels of ${tiles.height}×${tiles.width}`;
    const request = state.featureMaps.input;
    const input = state.featureMaps.image?.caption ?? (request === null ? null : describeInspectionInput(request, null));
    setText(this.mapsInfo, [shape, input, `layer range [${formatValue(maps.tensor.min)}, ${formatValue(maps.tensor.max)}] (one colour scale for all channels)`].filter((part) => part !== null).join(' · '));
    return this.maps.draw(maps.tensor, (channel) => (tiles !== null && tiles.height * tiles.width === 1 ? `unit ${channel}` : `channel ${channel}`));
  }

  renderFilters(state: PanelState): boolean {
    const filters = state.featureMaps.filters;
    setHidden(this.filtersSection, filters === null);
    if (filters === null) return true;
    const tiles = tilesOf(filters.tensor.shape);
    const inputChannels = inputChannelsOf(state);
    const perFilter = inputChannels !== null && tiles !== null && tiles.channels % inputChannels === 0 ? inputChannels : 1;
    setText(
      this.filtersInfo,
      tiles === null
        ? filters.layer
        : `${filters.layer}: ${perFilter > 1 ? `${tiles.channels / perFilter} filters × ${perFilter} input channels` : `${tiles.channels} kernels`} of ${tiles.height}×${tiles.width} · blue < 0 < red, range ±${formatValue(Math.max(Math.abs(filters.tensor.min), Math.abs(filters.tensor.max)))}`,
    );
    return this.filters.draw(filters.tensor, (index) => (perFilter > 1 ? `filter ${Math.floor(index / perFilter)}, input channel ${index % perFilter}` : `filter ${index}`));
  }

  renderPredictions(state: PanelState): void {
    const predictions = state.featureMaps.predictions;
    setHidden(this.predictionsSection, predictions === null);
    if (predictions === null) return;
    replaceChildren(
      this.predictions,
      ...predictions.slice(0, TOP_K).map((prediction, index) => {
        const bar = h('span', { class: 'bar' });
        bar.style.width = `${Math.max(0, Math.min(1, prediction.probability)) * 100}%`;
        return h(
          'li',
          { class: index === 0 ? 'prediction top' : 'prediction', data: { label: prediction.label } },
          h('span', { class: 'label', text: prediction.label }),
          h('span', { class: 'bar-track' }, bar),
          h('span', { class: 'probability', text: formatPercent(prediction.probability, 1) }),
        );
      }),
    );
  }

  private requestSample(): void {
    const index = Math.max(0, Math.floor(Number(valueOf(this.sampleField)) || 0));
    this.context.update((state) => setSampleIndex(state, index), 'layers');
    this.request({ source: 'testSample', index });
  }

  private request(input: InspectionInput): void {
    const state = this.context.state();
    const layer = state.featureMaps.layer ?? state.featureMaps.layers[0]?.name ?? null;
    if (layer === null) {
      this.context.update((current) => ({ ...current, featureMaps: { ...current.featureMaps, message: 'No layers yet: train the model first (or wait for the layer list).' } }), 'layers');
      return;
    }
    this.context.post({ type: 'computeFeatureMaps', layer, input });
    this.context.update((current) => requestedFeatureMaps(current, layer, input), 'layers');
  }

  private onLayerChange(): void {
    const layer = valueOf(this.layerSelect);
    const state = this.context.state();
    if (layer === '' || layer === state.featureMaps.layer) return;
    this.context.update((current) => selectLayer(current, layer), 'layers');
    const previous = state.featureMaps.input;
    const input: InspectionInput =
      previous === null ? { source: 'testSample', index: state.featureMaps.sampleIndex } : previous.source === 'imageFile' ? { source: 'imageFile', reuse: true } : previous;
    this.request(input);
  }
}

/** The model input's channel count, read from the summary (`3@32×32` → 3). */
function inputChannelsOf(state: PanelState): number | null {
  const match = /^(\d+)@/.exec(state.summary?.input ?? '');
  return match === null ? null : Number(match[1]);
}
