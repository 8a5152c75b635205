/// <reference lib="dom" />
/**
 * The panel bundle in headless Chromium (Debian `chromium`, npm `playwright-core`), driven
 * by protocol messages through a stub `acquireVsCodeApi`: DOM assertions, pixel checks on
 * the canvases, posted requests, persisted state, and a screenshot of every tab in
 * test-results/browser/. Run with `npm run test:browser` (not part of `npm test`).
 */
import assert from 'node:assert/strict';
import ts from 'typescript';
import { DEFAULT_SETTINGS, summarizeExportedModels, type ModelSummary } from 'convlens/service';
import { toInspectableLayers } from '../../extension/panels/panel-content';
import type { HostMessage, PanelMessage } from '../../webviews/protocol';
import { colourAt, normaliser } from '../../webviews/panel/colormap';
import { gridLayout, tileOrigin } from '../../webviews/panel/grid';
import { applyHostMessage, initialState } from '../../webviews/panel/state';
import { lossCurves, accuracyCurves } from '../../webviews/panel/view-model';
import { MemoryProject } from '../memory-project';
import * as f from '../webviews/fixtures';
import { launchBrowser, PanelPage, startServer, type Browser, type PanelServer } from './harness';

const CHART_HEIGHT = 220;

/**
 * Where a chart (uPlot) puts a value, in canvas pixels: a linear map over the plotting box
 * and the ranges its canvas reports (`data-plot`), the y axis pointing up.
 */
async function chartPlot(page: PanelPage, chart: string): Promise<{ x: [number, number]; y: [number, number]; at: (x: number, y: number) => [number, number] }> {
  const plot = JSON.parse((await page.page.getAttribute(`canvas[data-chart="${chart}"]`, 'data-plot')) ?? 'null') as { left: number; top: number; width: number; height: number; x: [number, number]; y: [number, number] };
  return {
    x: plot.x,
    y: plot.y,
    at: (x, y) => [plot.left + ((x - plot.x[0]) / (plot.x[1] - plot.x[0])) * plot.width, plot.top + (1 - (y - plot.y[0]) / (plot.y[1] - plot.y[0])) * plot.height],
  };
}

/** LeNet-5 on MNIST as the language service summarises it (the engine's receptive fields). */
function lenetSummary(): ModelSummary {
  const source = `import { conv2d, dense, flatten, input, maxPool2d, model, relu } from 'convlens';
export const lenet5Mnist = model('lenet5Mnist', input(1, 28, 28),
  conv2d(6, 5, { padding: 2 }), relu(), maxPool2d(2), conv2d(16, 5), relu(), maxPool2d(2), flatten(), dense(120), relu(), dense(84), relu(), dense(10));
`;
  const project = new MemoryProject({ 'model.ts': source }, '.virtual-browser-test');
  const { program, sourceFile } = project.target('model.ts');
  const [summary] = summarizeExportedModels(ts, program, sourceFile, DEFAULT_SETTINGS);
  assert.ok(summary !== undefined);
  return summary;
}

describe('browser: the panel bundle in headless Chromium', function () {
  this.timeout(60_000);
  let server: PanelServer;
  let browser: Browser;
  let panel: PanelPage | null = null;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  beforeEach(() => {
    server.initialState = undefined;
  });

  afterEach(async function () {
    if (panel === null) return;
    const current = panel;
    panel = null;
    const violations = await current.cspViolations();
    await current.close();
    // Only a passing test is also held to a clean console; a failing one keeps its own message.
    if (this.currentTest?.state === 'passed') {
      assert.deepEqual(violations, [], 'CSP violations');
      assert.deepEqual(current.errors, [], 'console errors');
    }
  });

  async function open(): Promise<PanelPage> {
    panel = await PanelPage.open(browser, server);
    return panel;
  }

  async function visibleTabLabels(page: PanelPage): Promise<string[]> {
    return page.page.$$eval('vscode-tab-header', (headers) => headers.filter((header) => !(header as HTMLElement).hidden).map((header) => header.textContent?.trim() ?? ''));
  }

  async function lastPosted(page: PanelPage): Promise<PanelMessage | undefined> {
    const posted = await page.posted();
    return posted[posted.length - 1];
  }

  it('loads under the strict CSP, posts ready and offers the model tabs', async () => {
    const page = await open();
    assert.deepEqual(await page.posted(), [{ type: 'ready' }]);
    assert.deepEqual(await visibleTabLabels(page), ['Summary', 'Training', 'Feature maps']);
    const csp = await page.page.$eval('meta[http-equiv="Content-Security-Policy"]', (meta) => meta.getAttribute('content'));
    assert.match(csp ?? '', /^default-src 'none'; img-src http:\/\/127\.0\.0\.1:\d+ data:; style-src http:\/\/127\.0\.0\.1:\d+ 'nonce-[^']+'; script-src 'nonce-[^']+'; font-src http:\/\/127\.0\.0\.1:\d+;$/);
    assert.equal(await page.page.textContent('.summary .empty'), 'No summary yet: save the model file or run “ConvLens: Show Summary”.');
  });

  it('Summary: layer rows indented by depth, totals, findings; clicking a row or finding posts revealLine', async () => {
    const page = await open();
    await page.send(f.summaryUpdated());
    const rows = await page.page.$$eval('vscode-table-row.layer-row', (elements) =>
      elements.map((row) => ({
        cells: [...row.querySelectorAll('vscode-table-cell')].map((cell) => cell.textContent?.trim()),
        indent: (row.querySelector('.layer-name') as HTMLElement).style.paddingLeft,
        classes: row.className,
      })),
    );
    assert.equal(rows.length, 14);
    assert.deepEqual(rows[1]!.cells, ['C1', 'conv2d', '6@28×28', '156', '118 k', '5×5 / 1']);
    assert.deepEqual(rows[5]!.cells, ['C3', 'conv2d', '16@10×10', '2,416', '240 k', '14×14 / 2']);
    assert.equal(rows[5]!.indent, '14px', 'a layer inside a container is indented');
    assert.equal(rows[1]!.indent, '0px');
    assert.match(rows[4]!.classes, /\bcontainer\b/);
    assert.equal(rows[10]!.cells[5], '', 'no receptive field after flatten');
    const totals = await page.page.$$eval('.totals dd', (elements) => Object.fromEntries(elements.map((element) => [(element as HTMLElement).dataset['total'], element.textContent])));
    assert.deepEqual(totals, { trainable: '61,706', nonTrainable: '0', total: '61,706', macs: '416,520 (417 k)', receptiveField: '32×32, jump 4×4' });
    const findings = await page.page.$$eval('.findings li', (elements) => elements.map((element) => element.className));
    assert.deepEqual(findings, ['finding warning clickable', 'finding info']);
    assert.equal(await page.page.textContent('.panel-title'), 'lenet5');
    assert.equal(await page.page.textContent('.panel-subtitle'), '1@32×32 → 10');
    await page.screenshot('summary');

    await page.page.locator('vscode-table-row.layer-row', { hasText: 'C1' }).first().click();
    assert.deepEqual(await lastPosted(page), { type: 'revealLine', line: 21 });
    await page.page.locator('vscode-table-row.layer-row', { hasText: 'F6' }).focus();
    await page.page.keyboard.press('Enter');
    assert.deepEqual(await lastPosted(page), { type: 'revealLine', line: 32 }, 'Enter on a focused row');
    await page.page.locator('.finding.warning').click();
    assert.deepEqual(await lastPosted(page), { type: 'revealLine', line: 22 });
    await page.clearPosted();
    await page.page.locator('.finding.info').click();
    assert.deepEqual(await page.posted(), [], 'a finding without a line reveals nothing');
  });

  it('ignores unknown and malformed messages and logs each with a [convlens] prefix', async () => {
    const page = await open();
    await page.send(f.summaryUpdated());
    const garbage: unknown[] = [
      { type: 'summaryUpdated', summary: { title: 'evil' } },
      { type: 'nope' },
      'summaryUpdated',
      null,
      { type: 'toString' },
      { type: 'epochEnded', epoch: 1, loss: 'NaN', accuracy: null, validationLoss: null, validationAccuracy: null, generatorLoss: null },
      { type: 'featureMapsComputed', layer: 'C1', maps: { shape: [6, 28, 28], values: [1, 2], min: 0, max: 1 } },
      [f.summaryUpdated(f.DCGAN_SUMMARY)],
    ];
    await page.send(...garbage);
    const logged = page.warnings.filter((warning) => warning.startsWith('[convlens]'));
    assert.equal(logged.length, garbage.length, page.warnings.join('\n'));
    assert.ok(logged.every((warning) => warning.includes('ignored')));
    assert.equal(await page.page.locator('vscode-table-row.layer-row').count(), 14, 'the valid summary is still shown');
    assert.equal(await page.page.textContent('.panel-title'), 'lenet5');
  });

  it('tabs: a click or showTab switches, the selected tab survives a reload', async () => {
    const page = await open();
    await page.send(f.summaryUpdated());
    await page.selectTab('Training');
    assert.equal(await page.page.getAttribute('body', 'data-tab'), 'training');
    assert.equal(await page.page.isVisible('.tab-body.training'), true);
    assert.equal(await page.page.isVisible('.tab-body.summary'), false);
    await page.send({ type: 'showTab', tab: 'featureMaps' });
    assert.equal(await page.page.isVisible('.tab-body.feature-maps'), true);
    await page.reload();
    assert.equal(await page.page.getAttribute('body', 'data-tab'), 'featureMaps');
    assert.equal(await page.page.isVisible('.tab-body.feature-maps'), true);
    assert.equal(await page.page.locator('vscode-table-row.layer-row').count(), 14, 'the summary came back from getState');
  });

  it('Training: live curves on canvas, progress, images/s, Stop posts stopTraining, test accuracy and confusion matrix', async () => {
    const page = await open();
    const messages: HostMessage[] = [f.summaryUpdated(), f.trainingStarted('classifier', 5)];
    for (let epoch = 1; epoch <= 3; epoch++) {
      for (let batch = 10; batch <= 100; batch += 10) messages.push(f.progressed(epoch, batch));
      messages.push(f.epochEnded(epoch));
    }
    for (let batch = 10; batch <= 40; batch += 10) messages.push(f.progressed(4, batch));
    await page.send(...messages);
    await page.selectTab('Training');
    await page.settle(); // the trailing redraw of the last progress point
    assert.equal(await page.page.textContent('.progress-text'), 'Epoch 4 of 5 · batch 40 of 100');
    assert.equal(await page.page.textContent('.rate'), '2,150 images/s');
    assert.equal(await page.page.getAttribute('.status-badge', 'data-status'), 'running');
    assert.equal(await page.page.getAttribute('.progress-bar', 'value'), '68.0');

    // Pixel checks: every epoch marker is where the chart's scales put it, in the series colour.
    const state = messages.reduce((state, message) => applyHostMessage(state, message), initialState());
    const train = await page.cssRgb('--cl-train');
    const validation = await page.cssRgb('--cl-validation');
    const lossPlot = await chartPlot(page, 'loss');
    // The x axis runs to the 5 planned epochs; accuracy stays within [0, 1].
    assert.deepEqual(lossPlot.x, [0, 5]);
    const curves = lossCurves(state.training);
    const points = (id: string) => curves.series.find((series) => series.id === id)!.points.filter((point) => point.y !== null);
    assert.equal(points('train').length, 3);
    for (const [id, colour] of [
      ['train', train],
      ['validation', validation],
    ] as const) {
      for (const point of points(id)) {
        const [x, y] = lossPlot.at(point.x, point.y!);
        const hits = await page.countColour('canvas[data-chart="loss"]', { x: x - 1, y: y - 1, width: 3, height: 3 }, colour);
        assert.ok(hits > 0, `${id} marker at (${x.toFixed(0)}, ${y.toFixed(0)})`);
      }
    }
    const last = points('train-live').at(-1)!;
    const [liveX, liveY] = lossPlot.at(last.x, last.y!);
    assert.ok((await page.countColour('canvas[data-chart="loss"]', { x: liveX - 2, y: liveY - 2, width: 5, height: 5 }, train)) > 0, 'the live trace reaches the last progress point');
    const [futureLeft, top] = lossPlot.at(3.6, lossPlot.y[1]);
    const [futureRight, bottom] = lossPlot.at(5, lossPlot.y[0]);
    assert.equal(await page.countColour('canvas[data-chart="loss"]', { x: futureLeft, y: top, width: futureRight - futureLeft, height: bottom - top }, train), 0, 'nothing drawn for epochs not yet run');
    const accuracyPlot = await chartPlot(page, 'accuracy');
    assert.ok(accuracyPlot.y[0] >= 0 && accuracyPlot.y[1] <= 1, `accuracy range ${accuracyPlot.y}`);
    for (const point of accuracyCurves(state.training)!.series.find((series) => series.id === 'validation')!.points) {
      const [x, y] = accuracyPlot.at(point.x, point.y!);
      assert.ok((await page.countColour('canvas[data-chart="accuracy"]', { x: x - 1, y: y - 1, width: 3, height: 3 }, validation)) > 0, 'validation accuracy marker');
    }
    await page.screenshot('training');

    await page.clearPosted();
    await page.page.locator('vscode-button.stop-button').click();
    assert.deepEqual(await page.posted(), [{ type: 'stopTraining' }]);

    await page.send(f.epochEnded(4), f.epochEnded(5), f.trainingFinished());
    assert.equal(await page.page.getAttribute('.status-badge', 'data-status'), 'finished');
    assert.equal(await page.page.textContent('.big-number'), '98.71%');
    assert.equal(await page.page.locator('.confusion-matrix tbody tr').count(), 10);
    assert.equal(await page.page.locator('.confusion-matrix td').count(), 100);
    assert.equal(await page.page.locator('.confusion-matrix td.diagonal').count(), 10);
    assert.equal(await page.page.textContent('.confusion-matrix tbody tr:nth-child(1) td:nth-of-type(1)'), '97');
    assert.equal(await page.page.getAttribute('.confusion-matrix tbody tr:nth-child(1) td:nth-of-type(1)', 'data-share'), '0.9700');
    assert.equal(await page.page.getAttribute('vscode-button.stop-button', 'disabled'), '', 'Stop is disabled after the run');
    await page.clearPosted();
    await page.page.locator('vscode-button.stop-button').click({ force: true });
    assert.deepEqual(await page.posted(), [], 'a disabled Stop posts nothing');
    await page.page.locator('vscode-button.start-button').click();
    assert.deepEqual(await page.posted(), [{ type: 'startTraining' }]);
    await page.screenshot('training-finished');
  });

  it('Training: redraws are throttled to every N progress messages, with a trailing redraw', async () => {
    const page = await open();
    await page.send(f.trainingStarted('classifier', 2));
    await page.selectTab('Training');
    const before = Number(await page.page.getAttribute('canvas[data-chart="loss"]', 'data-draws'));
    // 100 progress messages, one per animation frame (the worst case for coalescing).
    await page.page.evaluate(async (messages) => {
      for (const message of messages) {
        window.dispatchEvent(new MessageEvent('message', { data: message }));
        await new Promise((done) => requestAnimationFrame(done));
      }
    }, Array.from({ length: 100 }, (_, index) => f.progressed(1, index + 1, 2, 100)));
    await page.settle();
    const draws = Number(await page.page.getAttribute('canvas[data-chart="loss"]', 'data-draws')) - before;
    // Every 5th of 100 progress messages redraws (20), and the trailing redraw draws the last point.
    assert.equal(draws, 100 / 5 + 1, `${draws} redraws for 100 progress messages`);
    assert.equal(await page.page.textContent('.progress-text'), 'Epoch 1 of 2 · batch 100 of 100', 'the status text is never throttled');
  });

  it('Training: a stopped or failed run says so', async () => {
    const page = await open();
    await page.send(f.trainingStarted(), f.epochEnded(1), f.epochEnded(2), { type: 'trainingStopped', epoch: 2 });
    await page.selectTab('Training');
    assert.equal(await page.page.textContent('.training-message'), 'Stopped after epoch 2; the last complete checkpoint is kept.');
    await page.send({ type: 'trainingFailed', message: 'out of memory' });
    assert.equal(await page.page.textContent('.training-message'), 'Training failed: out of memory');
    assert.equal(await page.page.getAttribute('.status-badge', 'data-status'), 'failed');
  });

  it('Feature maps: requests, colour-mapped channels with the layer range, hover readout, filters, predictions', async () => {
    const page = await open();
    await page.send(f.summaryUpdated(), f.LAYERS);
    await page.selectTab('Feature maps');
    assert.equal(await page.page.locator('vscode-single-select.layer-select vscode-option').count(), 4);

    await page.page.locator('vscode-textfield.sample-index input').fill('7');
    await page.page.locator('vscode-button.show-sample').click();
    await page.settle();
    assert.deepEqual(await lastPosted(page), { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'testSample', index: 7 } });
    assert.equal(await page.page.isVisible('.feature-maps vscode-progress-bar.busy'), true, 'busy while the extension computes');
    await page.page.locator('vscode-button.image-file').click();
    assert.deepEqual(await lastPosted(page), { type: 'computeFeatureMaps', layer: 'C1', input: { source: 'imageFile' } });

    const maps = f.featureMaps(6, 28, 28, -1, 3);
    await page.send({ type: 'featureMapsComputed', layer: 'C1', maps }, { type: 'filtersComputed', layer: 'C1', filters: f.filters() }, f.PREDICTIONS);
    assert.equal(await page.page.isVisible('.feature-maps vscode-progress-bar.busy'), false);
    assert.equal(await page.page.textContent('.maps-heading'), 'Feature maps of C1 (conv2d)');
    assert.match((await page.page.textContent('.maps-info')) ?? '', /^6 channels of 28×28 · image file · layer range \[-1, 3\]/);
    assert.equal(await page.page.textContent('[data-grid="maps"] .legend-min'), '-1');
    assert.equal(await page.page.textContent('[data-grid="maps"] .legend-max'), '3');

    // The extremes of the layer range are the ends of viridis, at the tiles the pure layout predicts.
    const available = await page.page.$eval('.tensor-view[data-grid="maps"]', (element) => element.clientWidth);
    const layout = gridLayout(6, 28, 28, available);
    assert.equal(await page.page.getAttribute('canvas[data-grid="maps"]', 'data-scale'), String(layout.scale));
    const at = async (channel: number, row: number, column: number) => {
      const origin = tileOrigin(layout, channel);
      return (await page.pixel('canvas[data-grid="maps"]', origin.x + (column + 0.5) * layout.scale, origin.y + (row + 0.5) * layout.scale)).slice(0, 3);
    };
    assert.deepEqual(await at(0, 0, 0), [...colourAt('viridis', 0)], 'channel 0 holds the minimum');
    assert.deepEqual(await at(1, 0, 0), [...colourAt('viridis', 1)], 'channel 1 holds the maximum');
    const t = normaliser('viridis', { min: -1, max: 3 })(maps.values[5 * 28 * 28 + 27 * 28 + 27]!);
    assert.deepEqual(await at(5, 27, 27), [...colourAt('viridis', t)], 'the last pixel of the last channel');
    const origin = tileOrigin(layout, 1);
    await page.page.locator('canvas[data-grid="maps"]').hover({ position: { x: origin.x + layout.scale / 2, y: origin.y + layout.scale / 2 } });
    assert.equal(await page.page.textContent('[data-grid="maps"] .readout'), 'channel 1 · (0, 0) = 3');

    // Filters: the diverging map, symmetric around 0.
    const filters = f.filters();
    const filterView = await page.page.$eval('.tensor-view[data-grid="filters"]', (element) => element.clientWidth);
    const filterLayout = gridLayout(6, 5, 5, filterView, { maxTile: 64 });
    const filterPixel = (await page.pixel('canvas[data-grid="filters"]', filterLayout.scale / 2, filterLayout.scale / 2)).slice(0, 3);
    assert.deepEqual(filterPixel, [...colourAt('diverging', normaliser('diverging', filters)(filters.values[0]!))]);
    assert.match((await page.page.textContent('.filters-info')) ?? '', /^C1: 6 kernels of 5×5/);

    const predictions = await page.page.$$eval('.prediction', (elements) => elements.map((element) => [element.querySelector('.label')?.textContent, element.querySelector('.probability')?.textContent]));
    assert.deepEqual(predictions, [
      ['7', '91.0%'],
      ['3', '5.0%'],
      ['1', '3.0%'],
      ['9', '1.0%'],
    ]);
    await page.screenshot('feature-maps');

    // Picking another layer asks again for the same input (the same image file: reuse).
    await page.page.locator('vscode-single-select.layer-select').click();
    await page.page.locator('vscode-single-select.layer-select').getByRole('option', { name: 'C3 · conv2d · 16@10×10' }).click();
    await page.settle();
    assert.deepEqual(await lastPosted(page), { type: 'computeFeatureMaps', layer: 'C3', input: { source: 'imageFile', reuse: true } });
    await page.send({ type: 'inspectionFailed', message: 'No checkpoint yet: train the model first.' });
    assert.equal(await page.page.textContent('.inspection-message'), 'No checkpoint yet: train the model first.');
    await page.reload();
    assert.equal(await page.page.$eval('vscode-single-select.layer-select', (select) => (select as unknown as { value: string }).value), 'C3', 'the picked layer survives a reload');
    assert.deepEqual((await at(1, 0, 0)), [...colourAt('viridis', 1)], 'small feature maps come back from getState');
  });

  it('Feature maps: the input the network received is painted next to the inputs, captioned, and survives a reload', async () => {
    const page = await open();
    await page.send(f.summaryUpdated(), f.LAYERS);
    await page.selectTab('Feature maps');
    assert.equal(await page.page.isVisible('figure.input-image'), false, 'no picture before the first maps');

    // A 28×28 grey test sample: byte 4·(row + column) + 20.
    await page.send({ type: 'featureMapsComputed', layer: 'C1', maps: f.featureMaps(), input: f.inputImage('test sample #12') });
    assert.equal(await page.page.isVisible('figure.input-image'), true);
    assert.equal(await page.page.textContent('.input-image-caption'), 'test sample #12');
    assert.equal(await page.page.textContent('.input-image-size'), '28×28 grey');
    assert.match((await page.page.textContent('.maps-info')) ?? '', /^6 channels of 28×28 · test sample #12 · layer range/);
    const canvas = await page.page.$eval('canvas.input-image-canvas', (element) => {
      const style = getComputedStyle(element);
      return { width: (element as HTMLCanvasElement).width, height: (element as HTMLCanvasElement).height, css: [style.width, style.height], rendering: style.imageRendering, paints: (element as HTMLElement).dataset['paints'] };
    });
    assert.deepEqual(canvas, { width: 28, height: 28, css: ['112px', '112px'], rendering: 'pixelated', paints: '1' });
    assert.deepEqual(await page.pixel('canvas.input-image-canvas', 0, 0), [20, 20, 20, 255]);
    assert.deepEqual(await page.pixel('canvas.input-image-canvas', 5, 3), [52, 52, 52, 255], 'row 3, column 5');
    assert.deepEqual(await page.pixel('canvas.input-image-canvas', 27, 27), [236, 236, 236, 255]);
    // Next to the inputs: in the same row as the drawing pad and the predictions.
    assert.equal(await page.page.$eval('figure.input-image', (element) => element.parentElement?.className), 'inputs');

    // A malformed image is ignored like any malformed message; the picture stays.
    await page.send({ type: 'featureMapsComputed', layer: 'C1', maps: f.featureMaps(), input: { ...f.inputImage('bad'), pixels: 'AP8=' } });
    assert.equal(page.warnings.filter((warning) => warning.startsWith('[convlens] ignored')).length, 1);
    assert.equal(await page.page.textContent('.input-image-caption'), 'test sample #12');

    // A 32×32 RGB image file: R = 8·column, G = 8·row, B = 128.
    const rgb = f.inputImage('cat.png', 32, 32, 3, (row, column, channel) => [8 * column, 8 * row, 128][channel]!);
    await page.send({ type: 'featureMapsComputed', layer: 'C1', maps: f.featureMaps(), input: rgb });
    assert.equal(await page.page.textContent('.input-image-caption'), 'cat.png');
    assert.equal(await page.page.textContent('.input-image-size'), '32×32 RGB');
    assert.deepEqual(await page.page.$eval('canvas.input-image-canvas', (element) => [(element as HTMLCanvasElement).width, (element as HTMLCanvasElement).height, getComputedStyle(element).width]), [32, 32, '128px']);
    assert.deepEqual(await page.pixel('canvas.input-image-canvas', 3, 5), [24, 40, 128, 255], 'row 5, column 3');
    await page.send(f.PREDICTIONS);
    await page.screenshot('feature-maps-input');

    // Hidden and shown again: the picture comes back from getState.
    await page.reload();
    assert.equal(await page.page.getAttribute('body', 'data-tab'), 'featureMaps');
    assert.equal(await page.page.isVisible('figure.input-image'), true);
    assert.equal(await page.page.textContent('.input-image-caption'), 'cat.png');
    assert.deepEqual(await page.pixel('canvas.input-image-canvas', 3, 5), [24, 40, 128, 255]);
    assert.deepEqual(await page.pixel('canvas.input-image-canvas', 31, 31), [248, 248, 128, 255]);

    // Maps that bring no picture take the old one away: it is not what they are of.
    await page.send({ type: 'featureMapsComputed', layer: 'C1', maps: f.featureMaps() });
    assert.equal(await page.page.isVisible('figure.input-image'), false);
  });

  it("Feature maps: hovering a unit draws its receptive field on the input (the engine's LeNet-5 numbers), clicking it shows its effective field", async () => {
    const page = await open();
    // The layers as the extension lists them, from the engine's analysis of LeNet-5.
    const layers = toInspectableLayers(lenetSummary());
    await page.send(f.summaryUpdated(), { type: 'layersListed', layers });
    await page.selectTab('Feature maps');
    const maps = f.featureMaps(16, 10, 10, 0, 3);
    await page.send({ type: 'featureMapsComputed', layer: 'conv2d_2', maps, input: f.inputImage('test sample #12') });
    await page.send({ type: 'predictionsComputed', predictions: [{ label: '7', probability: 0.91, index: 7 }, { label: '3', probability: 0.05, index: 3 }] });
    const available = await page.page.$eval('.tensor-view[data-grid="maps"]', (element) => element.clientWidth);
    const layout = gridLayout(16, 10, 10, available);
    const hover = async (channel: number, row: number, column: number): Promise<void> => {
      const origin = tileOrigin(layout, channel);
      await page.page.locator('canvas[data-grid="maps"]').hover({ position: { x: origin.x + (column + 0.5) * layout.scale, y: origin.y + (row + 0.5) * layout.scale } });
    };
    const box = async (): Promise<string | null> => page.page.getAttribute('canvas.receptive-field-overlay', 'data-box');
    // conv2d_2: size 14, jump 2, start 4.5, so unit (r, c) covers [2r − 2, 2r + 11] (by hand).
    await hover(3, 4, 6);
    assert.equal(await box(), '6,10,19,23', 'rows 6–19, columns 10–23');
    assert.equal(await page.page.textContent('.field-caption'), 'conv2d_2 (4, 6) of channel 3: rows 6–19 × columns 10–23 · field 14×14, jump 2×2');
    // The box's pixels: 28×28 shown at 4×, a 2-pixel line inside the field's outer edge.
    const overlay = 'canvas.receptive-field-overlay';
    const cyan = [0, 229, 255, 255];
    const clear = 0;
    assert.deepEqual(await page.pixel(overlay, 40, 50), cyan, 'left edge: column 10 × 4');
    assert.equal((await page.pixel(overlay, 39, 50))[3], clear, 'column 9 is outside');
    assert.deepEqual(await page.pixel(overlay, 95, 50), cyan, 'right edge: the last pixel of column 23');
    assert.equal((await page.pixel(overlay, 96, 50))[3], clear, 'column 24 is outside');
    assert.deepEqual(await page.pixel(overlay, 60, 24), cyan, 'top edge: row 6 × 4');
    assert.equal((await page.pixel(overlay, 60, 23))[3], clear);
    assert.deepEqual(await page.pixel(overlay, 60, 79), cyan, 'bottom edge: the last pixel of row 19');
    assert.equal((await page.pixel(overlay, 60, 80))[3], clear);
    assert.equal((await page.pixel(overlay, 60, 50))[3], clear, 'inside, the input shows through');
    // At the corner the field is clipped to the image: [−2, 11] → [0, 11].
    await hover(0, 0, 0);
    assert.equal(await box(), '0,0,11,11');
    await hover(15, 9, 9);
    assert.equal(await box(), '16,16,27,27', '[16, 29] clipped to the last row and column');
    await page.screenshot('receptive-field-hover');

    // A click asks for the unit's effective receptive field and keeps its box.
    await hover(3, 4, 6);
    await page.page.locator('canvas[data-grid="maps"]').click({ position: { x: tileOrigin(layout, 3).x + 6.5 * layout.scale, y: tileOrigin(layout, 3).y + 4.5 * layout.scale } });
    await page.settle();
    assert.deepEqual(await lastPosted(page), { type: 'computeEffectiveReceptiveField', layer: 'conv2d_2', unit: { channel: 3, row: 4, column: 6 }, input: { source: 'testSample', index: 12 } });
    await page.page.mouse.move(0, 0);
    await page.settle();
    assert.equal(await box(), '6,10,19,23', 'the clicked unit stays drawn');
    // Its gradient: 1 on rows 11–13 × columns 15–17, half that on row 10 of those columns.
    const values = Array.from({ length: 784 }, (_, index) => {
      const [row, column] = [Math.floor(index / 28), index % 28];
      return column >= 15 && column <= 17 ? (row >= 11 && row <= 13 ? 1 : row === 10 ? 0.5 : 0) : 0;
    });
    await page.send({ type: 'effectiveReceptiveFieldComputed', layer: 'conv2d_2', unit: { channel: 3, row: 4, column: 6 }, field: { shape: [28, 28], values, min: 0, max: 1 } });
    assert.equal(await page.page.getAttribute(overlay, 'data-field'), 'conv2d_2:3,4,6');
    // Canvas pixels are stored premultiplied by alpha: a colour component may come back ±1.
    const washed = async (x: number, y: number, alpha: number, what: string): Promise<void> => {
      const [red, green, blue, opacity] = await page.pixel(overlay, x, y);
      assert.ok(Math.abs(red - 255) <= 1 && Math.abs(green - 64) <= 1 && blue <= 1 && opacity === alpha, `${what}: ${[red, green, blue, opacity]}`);
    };
    await washed(16 * 4 + 2, 12 * 4 + 2, 217, 'the strongest pixel: orange at 0.85');
    await washed(16 * 4 + 2, 10 * 4 + 2, 108, 'half as strong, half as opaque');
    assert.equal((await page.pixel(overlay, 12 * 4 + 2, 12 * 4 + 2))[3], clear, 'no gradient, no wash');
    assert.deepEqual(await page.pixel(overlay, 40, 50), cyan, 'the box over the wash');
    await page.screenshot('receptive-field');

    // Other maps: the unit and its field are gone.
    await page.send({ type: 'featureMapsComputed', layer: 'conv2d_2', maps, input: f.inputImage('test sample #12') });
    assert.equal(await box(), '');
    assert.equal(await page.page.getAttribute(overlay, 'data-field'), '');
  });

  it('Feature maps: Grad-CAM for the top class or a clicked prediction, over the last convolution or a chosen layer, drawn over the input', async () => {
    const page = await open();
    await page.send(f.summaryUpdated(), { type: 'layersListed', layers: toInspectableLayers(lenetSummary()) });
    await page.selectTab('Feature maps');
    await page.send({ type: 'featureMapsComputed', layer: 'conv2d_1', maps: f.featureMaps(6, 28, 28), input: f.inputImage('test sample #12') });
    await page.send({ type: 'predictionsComputed', predictions: [{ label: '7', probability: 0.91, index: 7 }, { label: '3', probability: 0.05, index: 3 }] });
    assert.equal(await page.page.isVisible('.grad-cam-box'), true);
    // The layers it may be asked over: the spatial ones, after the default.
    const options = await page.page.$$eval('vscode-single-select.cam-layer-select vscode-option', (elements) => elements.map((element) => element.textContent?.trim()));
    assert.deepEqual(options.slice(0, 2), ['last conv2d (conv2d_2)', 'conv2d_1 · conv2d · 6@28×28']);
    assert.equal(options.length, 7, 'the six spatial layers of LeNet-5 and the default');
    await page.page.locator('vscode-button.grad-cam-button').click();
    await page.settle();
    assert.deepEqual(await lastPosted(page), { type: 'computeGradCam', layer: null, classIndex: null, input: { source: 'testSample', index: 12 } });
    await page.page.locator('.prediction', { hasText: '3' }).click();
    await page.settle();
    assert.deepEqual(await lastPosted(page), { type: 'computeGradCam', layer: null, classIndex: 3, input: { source: 'testSample', index: 12 } });

    // A map at conv2d_2's resolution, 10×10, uniform: the whole input under viridis(1) at 0.85.
    const cam = { shape: [10, 10], values: new Array<number>(100).fill(2), min: 2, max: 2 };
    await page.send({ type: 'gradCamComputed', layer: 'conv2d_2', classIndex: 3, label: '3', probability: 0.05, cam });
    assert.equal(await page.page.getAttribute('canvas.grad-cam-canvas', 'data-cam'), 'conv2d_2:3');
    assert.equal(await page.page.textContent('.grad-cam-caption'), "class 3 (5.0%) over conv2d_2, 10×10 · yellow: where the class's score rises most");
    const top = colourAt('viridis', 1);
    const blend = (grey: number): number[] => top.map((component) => Math.round(component * (217 / 255) + grey * (1 - 217 / 255)));
    // Input pixel (row 0, column 0) is 20; (row 27, column 27) is 236; shown at 4×.
    for (const [x, y, grey] of [[1, 1, 20], [110, 110, 236]] as const) {
      const [red, green, blue] = await page.pixel('canvas.grad-cam-canvas', x, y);
      const expected = blend(grey);
      assert.ok(Math.abs(red - expected[0]!) <= 2 && Math.abs(green - expected[1]!) <= 2 && Math.abs(blue - expected[2]!) <= 2, `(${x}, ${y}): ${[red, green, blue]} ≈ ${expected}`);
    }
    await page.screenshot('grad-cam');

    // Another layer asks again, for the class shown.
    await page.page.locator('vscode-single-select.cam-layer-select').click();
    await page.page.locator('vscode-single-select.cam-layer-select').getByRole('option', { name: 'relu_1 · relu · 6@28×28' }).click();
    await page.settle();
    assert.deepEqual(await lastPosted(page), { type: 'computeGradCam', layer: 'relu_1', classIndex: 3, input: { source: 'testSample', index: 12 } });
    // The same picture's maps of another layer keep it; another picture's do not.
    await page.send({ type: 'featureMapsComputed', layer: 'conv2d_2', maps: f.featureMaps(16, 10, 10), input: f.inputImage('test sample #12') });
    assert.equal(await page.page.getAttribute('canvas.grad-cam-canvas', 'data-cam'), 'conv2d_2:3');
    await page.send({ type: 'featureMapsComputed', layer: 'conv2d_2', maps: f.featureMaps(16, 10, 10), input: f.inputImage('drawing') }, f.PREDICTIONS);
    assert.equal(await page.page.getAttribute('canvas.grad-cam-canvas', 'data-cam'), '');
  });

  it('Feature maps: a drawn digit becomes a 28×28 drawing request with the ink centred', async () => {
    const page = await open();
    await page.send(f.LAYERS);
    await page.selectTab('Feature maps');
    const box = (await page.page.locator('canvas.drawing-pad').boundingBox())!;
    // A "7": a bar across the top, then a stroke down to the bottom left.
    const path: [number, number][] = [
      [0.25, 0.2],
      [0.5, 0.2],
      [0.75, 0.2],
      [0.65, 0.45],
      [0.55, 0.65],
      [0.45, 0.85],
    ];
    await page.page.mouse.move(box.x + path[0]![0] * box.width, box.y + path[0]![1] * box.height);
    await page.page.mouse.down();
    for (const [x, y] of path.slice(1)) await page.page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 6 });
    await page.page.mouse.up();
    await page.settle();
    const message = await lastPosted(page);
    assert.ok(message !== undefined && message.type === 'computeFeatureMaps' && message.input.source === 'drawing', JSON.stringify(message).slice(0, 200));
    const input = message.input as { readonly width: number; readonly height: number; readonly pixels: readonly number[] };
    assert.equal(input.width, 28);
    assert.equal(input.height, 28);
    assert.equal(input.pixels.length, 784);
    assert.ok(input.pixels.every((value) => value >= 0 && value <= 1));
    const ink = input.pixels.reduce((sum, value) => sum + value, 0);
    assert.ok(ink > 20, `ink ${ink}`);
    let cx = 0;
    let cy = 0;
    input.pixels.forEach((value, index) => {
      cx += value * ((index % 28) + 0.5);
      cy += value * (Math.floor(index / 28) + 0.5);
    });
    assert.ok(Math.abs(cx / ink - 14) < 1.5 && Math.abs(cy / ink - 14) < 1.5, `centre of mass (${(cx / ink).toFixed(1)}, ${(cy / ink).toFixed(1)})`);
    const top = input.pixels.slice(4 * 28, 8 * 28).reduce((sum, value) => sum + value, 0);
    const bottom = input.pixels.slice(20 * 28, 24 * 28).reduce((sum, value) => sum + value, 0);
    assert.ok(top > bottom, 'the 7 has its bar at the top');
    const preview = await page.countColour('canvas.digit-preview', { x: 0, y: 0, width: 28, height: 28 }, [0, 0, 0], 30);
    assert.ok(preview < 784, 'the 28×28 preview shows the ink');
    await page.screenshot('feature-maps-drawing');
    await page.page.locator('vscode-button.clear-drawing').click();
    assert.equal(await page.countColour('canvas.drawing-pad', { x: 0, y: 0, width: 280, height: 280 }, [0, 0, 0], 0), 280 * 280, 'Clear wipes the pad');
  });

  it('GAN samples: the grid updates, the timeline scrubs, interpolation is requested and shown, all restored after a reload', async () => {
    server.initialState = { title: 'dcgan', kind: 'gan' };
    const page = await open();
    assert.deepEqual(await visibleTabLabels(page), ['Summary', 'Training', 'GAN samples']);
    await page.send(f.summaryUpdated(f.DCGAN_SUMMARY), f.trainingStarted('gan', 6), f.samplesReady(1), f.samplesReady(2), f.samplesReady(3));
    await page.selectTab('GAN samples');
    await page.page.waitForSelector('canvas.samples-grid[data-epoch="3"]');
    const size = await page.page.$eval('canvas.samples-grid', (canvas) => (canvas as HTMLCanvasElement).width);
    const cell = size / 4;
    const cellColour = async (index: number) => (await page.pixel('canvas.samples-grid', (index % 4) * cell + cell / 2, Math.floor(index / 4) * cell + cell / 2)).slice(0, 3);
    assert.deepEqual(await cellColour(0), [200, 30, 30]);
    assert.deepEqual(await cellColour(6), [120, 120, 120], 'epoch 3 grey');
    assert.equal(await page.page.textContent('.timeline-label'), 'epoch 3 · grid 3 of 3 (latest)');

    await page.page.locator('input.timeline').fill('0');
    await page.page.waitForSelector('canvas.samples-grid[data-epoch="1"]');
    assert.deepEqual(await cellColour(6), [40, 40, 40], 'epoch 1 grey');
    assert.equal(await page.page.textContent('.timeline-label'), 'epoch 1 · grid 1 of 3');
    await page.send(f.samplesReady(4));
    assert.equal(await page.page.textContent('.timeline-label'), 'epoch 1 · grid 1 of 4', 'a scrubbed timeline stays put');

    assert.equal(await page.page.getAttribute('vscode-button.interpolate', 'disabled'), '');
    await page.page.locator('canvas.samples-grid').click({ position: { x: 1 * cell + cell / 2, y: 1 * cell + cell / 2 } });
    await page.page.locator('canvas.samples-grid').click({ position: { x: 2 * cell + cell / 2, y: 2 * cell + cell / 2 } });
    await page.settle();
    assert.equal(await page.page.textContent('.selection-text'), 'A = #5, B = #10');
    await page.clearPosted();
    await page.page.locator('vscode-button.interpolate').click();
    assert.deepEqual(await page.posted(), [{ type: 'interpolate', from: 5, to: 10, steps: 8 }]);
    const interpolation: HostMessage = { type: 'interpolationReady', png: f.gridPng(1, 8, 28, (index) => [index * 30, index * 30, index * 30]), steps: 8 };
    await page.send(interpolation);
    await page.page.waitForFunction(() => (document.querySelector('img.interpolation') as HTMLImageElement | null)?.naturalWidth === 8 * 28);
    assert.equal(await page.page.textContent('.interpolation-caption'), '#5 → #10 in 8 steps');

    // Real-looking grids for the screenshot.
    const later = [5, 6].map((epoch) => ({ type: 'samplesReady', epoch, rows: 6, columns: 8, png: f.blobGridPng(6, 8, 28, epoch - 3) }) as HostMessage);
    await page.send(...later);
    await page.page.locator('input.timeline').fill('5');
    await page.page.waitForSelector('canvas.samples-grid[data-epoch="6"]');
    assert.equal(await page.page.textContent('.timeline-label'), 'epoch 6 · grid 6 of 6 (latest)');
    await page.screenshot('gan-samples');

    // Hidden and shown again: the state comes back from getState, then the extension replays
    // the run (model-panel.ts does on `ready`); the user's timeline position, picks and strip stay.
    await page.page.locator('input.timeline').fill('1');
    await page.page.waitForSelector('canvas.samples-grid[data-epoch="2"]');
    await page.settle();
    await page.reload();
    assert.equal(await page.page.getAttribute('body', 'data-tab'), 'samples');
    await page.page.waitForSelector('canvas.samples-grid[data-epoch="2"]');
    assert.equal(await page.page.textContent('.timeline-label'), 'epoch 2 · grid 2 of 6');
    await page.send(f.trainingStarted('gan', 6), f.samplesReady(1), f.samplesReady(2), f.samplesReady(3), f.samplesReady(4), ...later, interpolation);
    assert.equal(await page.page.textContent('.timeline-label'), 'epoch 2 · grid 2 of 6');
    assert.equal(await page.page.textContent('.selection-text'), 'A = #5, B = #10');
    assert.equal(await page.page.textContent('.interpolation-caption'), '#5 → #10 in 8 steps');
    assert.deepEqual(await cellColour(6), [80, 80, 80], 'epoch 2 grey');
  });

  it('state survives hide and show: curves redraw from getState after a reload', async () => {
    const page = await open();
    await page.send(f.summaryUpdated(), f.trainingStarted('classifier', 5), f.epochEnded(1), f.epochEnded(2), f.progressed(3, 50));
    await page.selectTab('Training');
    // setState runs at most every 250 ms (and on pagehide): wait for the tab change to be saved.
    await page.page.waitForFunction(() => JSON.parse(sessionStorage.getItem('convlens.test.state') ?? '{}').tab === 'training');
    const saved = (await page.savedState()) as { training: { history: unknown[] }; tab: string };
    assert.equal(saved.training.history.length, 2);
    assert.equal(saved.tab, 'training');
    await page.reload();
    assert.equal(await page.page.getAttribute('body', 'data-tab'), 'training');
    const state = [f.summaryUpdated(), f.trainingStarted('classifier', 5), f.epochEnded(1), f.epochEnded(2), f.progressed(3, 50)].reduce((state, message) => applyHostMessage(state, message), initialState());
    const loss = await chartPlot(page, 'loss');
    const train = await page.cssRgb('--cl-train');
    for (const point of lossCurves(state.training).series.find((series) => series.id === 'train')!.points) {
      const [x, y] = loss.at(point.x, point.y!);
      assert.ok((await page.countColour('canvas[data-chart="loss"]', { x: x - 1, y: y - 1, width: 3, height: 3 }, train)) > 0, 'a restored epoch marker');
    }
    assert.equal(await page.page.textContent('.progress-text'), 'Epoch 3 of 5 · batch 50 of 100');
    const posted = await page.posted();
    assert.deepEqual(posted, [{ type: 'ready' }], 'a restored panel says ready again (the extension may resend)');
  });

  it('follows the VS Code theme: a light theme’s variables recolour the panel and its charts', async () => {
    const page = await open();
    await page.page.evaluate(() => {
      const light: Record<string, string> = {
        '--vscode-editor-background': '#ffffff',
        '--vscode-editor-foreground': '#3b3b3b',
        '--vscode-foreground': '#3b3b3b',
        '--vscode-descriptionForeground': '#717171',
        '--vscode-charts-blue': '#1a85ff',
        '--vscode-charts-orange': '#d18616',
        '--vscode-panel-background': '#f8f8f8',
        '--vscode-button-background': '#005fb8',
        '--vscode-badge-background': '#cccccc',
        '--vscode-badge-foreground': '#3b3b3b',
        '--vscode-list-hoverBackground': '#f2f2f2',
        '--vscode-panelTitle-activeForeground': '#3b3b3b',
        '--vscode-panelTitle-inactiveForeground': '#3b3b3bb3',
        '--vscode-panelTitle-activeBorder': '#005fb8',
        '--vscode-settings-headerBorder': '#e5e5e5',
        '--vscode-button-secondaryBackground': '#e5e5e5',
        '--vscode-button-secondaryForeground': '#3b3b3b',
        '--vscode-progressBar-background': '#005fb8',
        '--vscode-keybindingTable-rowsBackground': 'rgba(128, 128, 128, 0.04)',
      };
      for (const [name, value] of Object.entries(light)) document.documentElement.style.setProperty(name, value);
      document.body.classList.add('vscode-light');
    });
    await page.send(f.summaryUpdated(), f.trainingStarted('classifier', 5), ...[1, 2, 3, 4, 5].map((epoch) => f.epochEnded(epoch)), f.trainingFinished());
    await page.selectTab('Training');
    assert.deepEqual(await page.cssRgb('--cl-train'), [0x1a, 0x85, 0xff]);
    assert.ok((await page.countColour('canvas[data-chart="loss"]', { x: 0, y: 0, width: 1000, height: CHART_HEIGHT }, [0x1a, 0x85, 0xff], 6)) > 50, 'the curve uses the theme colour');
    await page.screenshot('training-light');
  });
});
