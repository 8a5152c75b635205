/**
 * The Feature maps tab (browser only): pick an input (test sample, image file, drawn digit)
 * and a layer; the input as the network received it; every channel as a colour-mapped grid
 * with the layer's value range; the first layer's filters; the top-k predictions.
 *
 * Hovering a unit of the maps draws its theoretical receptive field (the engine's size, jump
 * and start) as a box on the input; clicking it keeps the box and asks for its effective
 * receptive field (the unit's gradient with respect to the input), drawn as a wash under the
 * box. Beside the predictions, Grad-CAM of a class (the top one, or the prediction clicked)
 * over a layer (default: the last conv2d) is drawn over the input.
 */
import { describeInspectionInput, type InputImage, type InspectionInput, type UnitPosition } from '../protocol';
import { colourAt } from './colormap';
import type { PanelContext } from './context';
import { DrawingPad, DIGIT_SIZE } from './drawing-pad';
import { h, replaceChildren, setHidden, setText, valueOf } from './dom';
import { formatPercent, formatValue } from './format';
import { tilesOf } from './grid';
import { describeInputImage, inputImageDisplaySize, inputImageRgba } from './input-image';
import { describeBox, heatRgba, receptiveFieldBox, type PixelBox } from './receptive-field';
import { inputOfShownMaps, requestedFeatureMaps, requestedGradCam, selectLayer, selectUnit, setSampleIndex, type PanelState } from './state';
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
  private readonly maps = new TensorGrid('maps', 'viridis', {}, (event, unit) => this.onUnit(event, unit));
  /** Over the input image: the effective receptive field's wash and the theoretical field's box. */
  private readonly overlay = h('canvas', { class: 'receptive-field-overlay', attrs: { width: 1, height: 1, 'aria-hidden': 'true' }, data: { box: '' } });
  private readonly fieldCaption = h('p', { class: 'field-caption muted small', text: 'Hover a unit of the maps: its receptive field on the input; click it: its effective field.' });
  private hoveredUnit: UnitPosition | null = null;
  private readonly camSection: HTMLElement;
  private readonly camLayerSelect = h('vscode-single-select', { class: 'cam-layer-select', attrs: { 'aria-label': 'Grad-CAM layer' } });
  private readonly camCanvas = h('canvas', { class: 'grad-cam-canvas', attrs: { width: 1, height: 1, role: 'img' }, data: { paints: '0' } });
  private readonly camCaption = h('p', { class: 'grad-cam-caption muted small', text: 'Where the model looks for the top class (or a prediction you click).' });
  private camLayersKey = '';
  private camPaints = 0;
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
    const camButton = h('vscode-button', { class: 'grad-cam-button', text: 'Grad-CAM', attrs: { secondary: true } });
    camButton.addEventListener('click', () => this.requestGradCam(null));
    this.camLayerSelect.addEventListener('change', () => this.requestGradCam(this.context.state().featureMaps.gradCam?.classIndex ?? null));
    this.camSection = h(
      'section',
      { class: 'grad-cam-box', title: 'Grad-CAM (Selvaraju et al. 2017): the layer’s channels weighted by the mean gradient of the class score, summed, rectified' },
      h('h3', { text: 'Where it looks' }),
      h('span', { class: 'row' }, this.camLayerSelect, camButton),
      this.camCanvas,
      this.camCaption,
    );
    this.filtersSection = h('section', { class: 'filters-box' }, h('h3', { text: 'First-layer filters' }), this.filtersInfo, this.filters.element);
    this.inputFigure = h(
      'figure',
      { class: 'input-image', title: 'The input as the network received it: resized to the model’s input, before normalisation' },
      h('span', { class: 'muted', text: 'Network input' }),
      h('div', { class: 'input-stack' }, this.inputCanvas, this.overlay),
      this.inputCaption,
      this.inputSize,
      this.fieldCaption,
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
        this.camSection,
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
    this.paintInput(state);
    this.renderOverlay(state);
  }

  private paintInput(state: PanelState): void {
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

  /**
   * Over the input: the clicked unit's effective receptive field as a wash (stronger is more
   * opaque), and the hovered unit's theoretical field — or the clicked one's — as a box on
   * the input pixels it covers (`data-box`: top,left,bottom,right, inclusive).
   */
  private renderOverlay(state: PanelState): void {
    const { image, maps, layers, selectedUnit, effectiveField } = state.featureMaps;
    const overlay = this.overlay;
    if (image === null || maps === null) {
      overlay.dataset['box'] = '';
      setHidden(overlay, true);
      return;
    }
    setHidden(overlay, false);
    const shown = inputImageDisplaySize(image.width, image.height);
    // One canvas pixel per CSS pixel: an input pixel is `scale` of them.
    if (overlay.width !== shown.width || overlay.height !== shown.height) {
      overlay.width = shown.width;
      overlay.height = shown.height;
    }
    overlay.style.width = `${shown.width}px`;
    overlay.style.height = `${shown.height}px`;
    const context = overlay.getContext('2d');
    if (context === null) return;
    context.clearRect(0, 0, overlay.width, overlay.height);
    // The field of the unit clicked last (an answer to an earlier click that arrives late is not it).
    const clicked = selectedUnit !== null && effectiveField !== null && selectedUnit.layer === effectiveField.layer && sameUnit(selectedUnit.unit, effectiveField.unit);
    const field = clicked && effectiveField.layer === maps.layer && effectiveField.field.shape[0] === image.height && effectiveField.field.shape[1] === image.width ? effectiveField : null;
    if (field !== null) drawMap(context, heatRgba(field.field), image.width, image.height, shown.width, shown.height, false);
    overlay.dataset['field'] = field === null ? '' : `${field.layer}:${field.unit.channel},${field.unit.row},${field.unit.column}`;
    const pinned = selectedUnit !== null && selectedUnit.layer === maps.layer ? selectedUnit.unit : null;
    const unit = this.hoveredUnit ?? pinned;
    const geometry = layers.find((entry) => entry.name === maps.layer)?.receptiveField;
    const box = unit === null || geometry === undefined ? null : receptiveFieldBox(geometry, unit, image.height, image.width);
    overlay.dataset['box'] = box === null ? '' : `${box.top},${box.left},${box.bottom},${box.right}`;
    overlay.dataset['unit'] = unit === null ? '' : `${unit.channel},${unit.row},${unit.column}`;
    if (box !== null) drawBox(context, box, shown.scale);
    if (unit === null) {
      setText(this.fieldCaption, geometry === undefined ? 'Click a unit of the maps: its effective receptive field on the input.' : 'Hover a unit of the maps: its receptive field on the input; click it: its effective field.');
      return;
    }
    const where = maps.tensor.shape.length === 3 ? `(${unit.row}, ${unit.column}) of channel ${unit.channel}` : `unit ${unit.channel}`;
    const sizes = geometry === undefined ? '' : ` · field ${geometry.size[0]}×${geometry.size[1]}, jump ${geometry.jump[0]}×${geometry.jump[1]}`;
    const effective = field !== null && pinned !== null && this.hoveredUnit === null ? ' · orange: its effective field (|∂unit/∂input|)' : '';
    setText(this.fieldCaption, `${maps.layer} ${where}${box === null ? '' : `: ${describeBox(box)}`}${sizes}${effective}`);
  }

  private onUnit(event: 'hover' | 'click', unit: UnitPosition | null): void {
    const state = this.context.state();
    const maps = state.featureMaps.maps;
    if (event === 'hover') {
      this.hoveredUnit = unit;
      this.renderOverlay(state);
      return;
    }
    const input = inputOfShownMaps(state);
    if (unit === null || maps === null || input === null) return;
    this.hoveredUnit = null;
    this.context.post({ type: 'computeEffectiveReceptiveField', layer: maps.layer, unit, input });
    this.context.update((current) => selectUnit(current, maps.layer, unit), 'maps');
  }

  private requestGradCam(classIndex: number | null): void {
    const state = this.context.state();
    const input = inputOfShownMaps(state);
    if (input === null) return;
    const chosen = valueOf(this.camLayerSelect);
    const layer = chosen === '' ? null : chosen;
    this.context.post({ type: 'computeGradCam', layer, classIndex, input });
    this.context.update((current) => requestedGradCam(current, layer), 'layers');
  }

  /** Grad-CAM over the input, and the layers it may be asked over (those with spatial outputs). */
  private renderGradCam(state: PanelState): void {
    const { layers, gradCam, image, camLayer, predictions } = state.featureMaps;
    setHidden(this.camSection, image === null || predictions === null);
    const spatial = layers.filter((entry) => entry.output.includes('@'));
    const key = spatial.map((entry) => entry.name).join('\n');
    if (key !== this.camLayersKey) {
      this.camLayersKey = key;
      const lastConvolution = [...spatial].reverse().find((entry) => entry.kind === 'conv2d');
      replaceChildren(
        this.camLayerSelect,
        h('vscode-option', { text: lastConvolution === undefined ? 'last conv2d' : `last conv2d (${lastConvolution.name})`, attrs: { value: '', selected: camLayer === null } }),
        ...spatial.map((entry) => h('vscode-option', { text: `${entry.name} · ${entry.kind} · ${entry.output}`, attrs: { value: entry.name, selected: entry.name === camLayer } })),
      );
    }
    if (image === null) return;
    const shown = inputImageDisplaySize(image.width, image.height);
    const canvas = this.camCanvas;
    canvas.width = shown.width;
    canvas.height = shown.height;
    canvas.style.width = `${shown.width}px`;
    canvas.style.height = `${shown.height}px`;
    const context = canvas.getContext('2d');
    if (context === null) return;
    drawMap(context, inputImageRgba(image), image.width, image.height, shown.width, shown.height, false);
    const cam = gradCam !== null && gradCam.cam.shape.length === 2 ? gradCam : null;
    canvas.dataset['cam'] = cam === null ? '' : `${cam.layer}:${cam.classIndex}`;
    if (cam === null) {
      canvas.setAttribute('aria-label', 'The network input; Grad-CAM not computed yet');
      return;
    }
    // The map is coarser than the input: drawn smoothed, as Grad-CAM is shown upsampled.
    drawMap(context, heatRgba(cam.cam, (t) => colourAt('viridis', t)), cam.cam.shape[1]!, cam.cam.shape[0]!, shown.width, shown.height, true);
    this.camPaints++;
    canvas.dataset['paints'] = String(this.camPaints);
    const text = `class ${cam.label} (${formatPercent(cam.probability, 1)}) over ${cam.layer}, ${cam.cam.shape[0]}×${cam.cam.shape[1]} · yellow: where the class's score rises most`;
    canvas.setAttribute('aria-label', `Grad-CAM: ${text}`);
    setText(this.camCaption, text);
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
    this.renderGradCam(state);
    const predictions = state.featureMaps.predictions;
    setHidden(this.predictionsSection, predictions === null);
    if (predictions === null) return;
    replaceChildren(
      this.predictions,
      ...predictions.slice(0, TOP_K).map((prediction, index) => {
        const bar = h('span', { class: 'bar' });
        bar.style.width = `${Math.max(0, Math.min(1, prediction.probability)) * 100}%`;
        const item = h(
          'li',
          { class: index === 0 ? 'prediction top' : 'prediction', data: { label: prediction.label }, title: prediction.index === undefined ? undefined : `Click: Grad-CAM of class ${prediction.label}` },
          h('span', { class: 'label', text: prediction.label }),
          h('span', { class: 'bar-track' }, bar),
          h('span', { class: 'probability', text: formatPercent(prediction.probability, 1) }),
        );
        const classIndex = prediction.index;
        if (classIndex !== undefined) item.addEventListener('click', () => this.requestGradCam(classIndex));
        return item;
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

function sameUnit(a: UnitPosition, b: UnitPosition): boolean {
  return a.channel === b.channel && a.row === b.row && a.column === b.column;
}

/** RGBA of width × height pixels drawn scaled onto a canvas of shownWidth × shownHeight (smoothed or crisp). */
function drawMap(context: CanvasRenderingContext2D, rgba: Uint8ClampedArray, width: number, height: number, shownWidth: number, shownHeight: number, smooth: boolean): void {
  const tile = document.createElement('canvas');
  tile.width = width;
  tile.height = height;
  const tileContext = tile.getContext('2d');
  if (tileContext === null) return;
  const data = tileContext.createImageData(width, height);
  data.data.set(rgba);
  tileContext.putImageData(data, 0, 0);
  context.imageSmoothingEnabled = smooth;
  context.drawImage(tile, 0, 0, shownWidth, shownHeight);
}

/** The box's colour: cyan reads on grey digits, colour photos and the orange wash alike. */
export const BOX_COLOUR = '#00e5ff';
/** The box's line, in canvas pixels, drawn inside the box's pixels so its outer edge is the field's. */
const BOX_LINE = 2;

function drawBox(context: CanvasRenderingContext2D, box: PixelBox, scale: number): void {
  const x = box.left * scale;
  const y = box.top * scale;
  const width = (box.right - box.left + 1) * scale;
  const height = (box.bottom - box.top + 1) * scale;
  const line = Math.min(BOX_LINE, width / 2, height / 2);
  context.fillStyle = BOX_COLOUR;
  context.fillRect(x, y, width, line);
  context.fillRect(x, y + height - line, width, line);
  context.fillRect(x, y, line, height);
  context.fillRect(x + width - line, y, line, height);
}
