/**
 * ConvLens in a real VS Code (code-server 4.139.1, VS Code 1.139) with the packaged .vsix
 * installed and default settings, driven in headless Chromium. Run by `npm run test:e2e`
 * (not by `npm test`); test/e2e/README.md explains the setup.
 *
 * Screenshots of the steps go to test-results/e2e/screenshots/ (ignored by git): a test
 * run never rewrites tracked files. `npm run screenshots` runs the suite with
 * CONVLENS_E2E_SCREENSHOTS=docs/screenshots to renew README's two-minute tour.
 * CONVLENS_E2E_NO_VSIX=1 runs plain VS Code: only the harness's own check runs.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Editor, REPO_ROOT, canvasPixels, findVsix } from './code-server';
import { BROKEN_MODEL, FIXED_MODEL, makeWorkspace, type Workspace } from './workspace';

/** The steps' screenshots; README's (committed: keep them small) only when asked for. */
const SCREENSHOTS = path.resolve(REPO_ROOT, process.env['CONVLENS_E2E_SCREENSHOTS'] ?? path.join('test-results', 'e2e', 'screenshots'));
/** Everything else a run leaves to look at: screenshots of failures and of the GAN step. */
const ARTIFACTS = path.resolve(REPO_ROOT, process.env['CONVLENS_E2E_ARTIFACTS'] ?? path.join('test-results', 'e2e', 'artifacts'));
const PLAIN = process.env['CONVLENS_E2E_NO_VSIX'] === '1';
const TRAINING_SETTINGS = { 'convlens.training.dataset': 'digits', 'convlens.training.epochs': 3, 'convlens.training.batchSize': 16 };

/** 1-based line and column of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const index = text.indexOf(needle);
  assert.ok(index >= 0, `${needle} not found`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

describe('ConvLens in a real VS Code (code-server)', function () {
  let workspace: Workspace;
  let editor: Editor;

  before(async function () {
    this.timeout(300_000);
    const vsix = PLAIN ? undefined : findVsix();
    if (!PLAIN && vsix === undefined) throw new Error('no convlens .vsix found: run `npm run package` (or set CONVLENS_VSIX)');
    workspace = makeWorkspace();
    fs.writeFileSync(path.join(workspace.folder, 'plain.ts'), 'export function greet(name: string): string {\n  return `hello ${name}`;\n}\n');
    // A tiny training run on the workspace's own 10-class image folder (not MNIST): the
    // extension's settings, never TypeScript's inlay-hint settings.
    editor = await Editor.start({ workspace: workspace.folder, vsix, settings: TRAINING_SETTINGS });
  });

  after(async function () {
    this.timeout(60_000);
    if (editor !== undefined) await editor.close();
    workspace?.remove();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && editor !== undefined) {
      const name = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      const file = path.join(ARTIFACTS, `failed-${name}.png`);
      await editor.screenshot(file).catch(() => undefined);
      console.log(`    screenshot of the failure: ${file}\n    code-server log (tail):\n${editor.log().slice(-4000)}`);
    }
  });

  it('VS Code\'s own TypeScript hover works (the harness check)', async () => {
    await editor.openFile('plain.ts', { line: 1, column: 17, expectText: 'greet' });
    await editor.hoverAtCursorUntil('function greet(name: string): string');
  });

  describe('with the packaged extension', function () {
    before(function () {
      if (PLAIN) this.skip();
    });

    it('shape hints and the code lenses render in the editor with default settings', async () => {
      const source = fs.readFileSync(path.join(workspace.folder, 'lenet5.ts'), 'utf8');
      const { line } = positionOf(source, "'lenet5Mnist',");
      const view = await editor.openFile('lenet5.ts', { line: line + 2, column: 3, expectText: "'lenet5Mnist'" });
      await view.locator('.view-lines', { hasText: '→ 6@28×28' }).waitFor({ timeout: 180_000 });
      await editor.codeLens(view, 'lenet5Mnist', 'Train').waitFor({ timeout: 60_000 });
      await editor.screenshot(path.join(SCREENSHOTS, 'shape-hints.png'));
    });

    it('hover on a layer shows the parameter formula', async () => {
      const source = fs.readFileSync(path.join(workspace.folder, 'lenet5.ts'), 'utf8');
      const at = positionOf(source, 'conv2d(6, 5, { padding: 2 })');
      await editor.openFile('lenet5.ts', { line: at.line, column: at.column + 2, expectText: "'lenet5Mnist'" });
      const hover = await editor.hoverAtCursorUntil('(5·5·1 + 1)·6 = 156');
      assert.match(await hover.innerText(), /6@28×28/);
      await editor.screenshot(path.join(SCREENSHOTS, 'hover.png'));
      await editor.page.keyboard.press('Escape');
    });

    it('a broken model shows its squiggle and the quick fix repairs it', async () => {
      const file = path.join(workspace.folder, 'broken.ts');
      const at = positionOf(BROKEN_MODEL, 'dense(10)');
      const view = await editor.openFile('broken.ts', { line: at.line, column: at.column + 1, expectText: 'forgot to flatten' });
      await view.locator('.squiggly-error').first().waitFor({ timeout: 120_000 });
      // The error's message in the hover at the cursor.
      await editor.hoverAtCursorUntil('expects a vector but receives the image 8@26×26');
      await editor.page.keyboard.press('Escape');
      const fix = await editor.quickFixAtCursorUntil('Insert flatten() before this layer');
      await editor.screenshot(path.join(SCREENSHOTS, 'quick-fix.png'));
      await fix.click();
      await view.locator('.view-lines', { hasText: 'flatten(), dense(10)' }).waitFor({ timeout: 30_000 });
      await editor.page.keyboard.press('Control+S');
      await waitFor(() => fs.readFileSync(file, 'utf8') === FIXED_MODEL, 30_000, () => `broken.ts after the fix:\n${fs.readFileSync(file, 'utf8')}`);
      await view.locator('.squiggly-error').first().waitFor({ state: 'detached', timeout: 60_000 });
    });

    it('the Train code lens opens the panel and the training curves receive points', async function () {
      this.timeout(420_000);
      const source = fs.readFileSync(path.join(workspace.folder, 'lenet5.ts'), 'utf8');
      const { line } = positionOf(source, 'export const lenet5Mnist');
      const view = await editor.openFile('lenet5.ts', { line: line + 3, column: 3, expectText: "'lenet5Mnist'" });
      await editor.hideSideBar();
      await editor.codeLens(view, 'lenet5Mnist', 'Train').click();
      await editor.page.locator('.tabs-container .tab', { hasText: 'lenet5Mnist' }).first().waitFor({ timeout: 60_000 });
      const panel = editor.webview();
      await panel.locator('.panel-header', { hasText: 'lenet5Mnist' }).waitFor({ timeout: 60_000 });
      const training = panel.locator('vscode-tab-panel[data-tab="training"]');
      await training.locator('.status-badge').waitFor({ timeout: 60_000 });
      // Points arrive while it runs: the legend shows the train loss's last value.
      await training.locator('figure.chart[data-chart="loss"] .legend-value').first().waitFor({ timeout: 240_000 });
      await training.locator('.status-badge[data-status="finished"]').waitFor({ timeout: 240_000 });
      assert.match(await training.locator('.progress-text').innerText(), /Epoch 3 of 3/);
      const legend = await training.locator('figure.chart[data-chart="loss"] .legend-value').allInnerTexts();
      assert.ok(legend.length >= 2, `train and validation loss in the legend: ${legend.join(', ')}`);
      for (const value of legend) assert.ok(Number.isFinite(Number(value)), `a finite loss: ${value}`);
      const curves = await canvasPixels(training.locator('canvas.chart-canvas[data-chart="loss"]'));
      assert.ok(curves.colours >= 3 && curves.nonBackground > 0.01, `the loss chart draws its curves: ${JSON.stringify(curves)}`);
      const status = editor.page.locator('.statusbar-item', { hasText: /test accuracy/i }).first();
      await status.waitFor({ timeout: 30_000 });
      await editor.screenshot(path.join(SCREENSHOTS, 'training.png'));
      // The test split's confusion matrix: a row per digit, its diagonal the accuracy the status bar reports.
      const cells = training.locator('table.confusion-matrix tbody tr');
      await cells.first().waitFor({ timeout: 30_000 });
      const matrix = await cells.evaluateAll((rows) => rows.map((row) => Array.from(row.querySelectorAll('td'), (cell) => Number(cell.textContent?.replace(/,/g, '')))));
      assert.equal(matrix.length, 10);
      const total = matrix.flat().reduce((sum, count) => sum + count, 0);
      const diagonal = matrix.reduce((sum, row, index) => sum + (row[index] ?? 0), 0);
      const shown = /([\d.]+)% test accuracy/.exec(await status.innerText());
      assert.ok(shown !== null && total > 0, `status ${await status.innerText()}, matrix ${JSON.stringify(matrix)}`);
      assert.ok(Math.abs((100 * diagonal) / total - Number(shown[1])) <= 0.051, `diagonal ${diagonal} of ${total} against ${shown[1]}%`);
    });

    it('the Feature maps code lens renders the feature maps of the trained model', async function () {
      this.timeout(240_000);
      await editor.focusWorkbench();
      const view = editor.editorOf('lenet5.ts');
      await editor.codeLens(view, 'lenet5Mnist', 'Feature maps').click();
      const maps = editor.webview().locator('vscode-tab-panel[data-tab="featureMaps"]');
      const grid = maps.locator('canvas.tensor-grid[data-grid="maps"]');
      await grid.and(editor.webview().locator(':not([data-draws="0"])')).waitFor({ timeout: 120_000 });
      await maps.locator('.predictions li').first().waitFor({ timeout: 60_000 });
      // The whole grid in view, with the predictions above it.
      await maps.locator('.maps-box').evaluate((box) => box.scrollIntoView({ block: 'end' }));
      const pixels = await canvasPixels(grid);
      assert.ok(pixels.colours >= 16 && pixels.nonBackground > 0.2, `the feature maps are painted: ${JSON.stringify(pixels)}`);
      await editor.screenshot(path.join(SCREENSHOTS, 'feature-maps.png'));
      // The picture the network looked at: the first test image of digits/, as it received it.
      await maps.locator('.input-image-caption', { hasText: 'test sample #0' }).waitFor({ timeout: 10_000 });
      const input = await canvasPixels(maps.locator('canvas.input-image-canvas'));
      assert.ok(input.colours >= 2, `the input image is painted: ${JSON.stringify(input)}`);
    });

    it('hovering a feature-map unit draws its receptive field on the input; a click adds its effective field; Grad-CAM shows where the model looks', async function () {
      this.timeout(240_000);
      const maps = editor.webview().locator('vscode-tab-panel[data-tab="featureMaps"]');
      const grid = maps.locator('canvas.tensor-grid[data-grid="maps"]');
      const overlay = maps.locator('canvas.receptive-field-overlay');
      // conv2d_1 (5×5, padding 2): unit (14, 14) of channel 0 covers rows and columns 12–16.
      const scale = Number(await grid.getAttribute('data-scale'));
      await grid.hover({ position: { x: 14.5 * scale, y: 14.5 * scale } });
      await maps.locator('canvas.receptive-field-overlay[data-box="12,12,16,16"]').waitFor({ timeout: 10_000 });
      assert.match((await maps.locator('.field-caption').innerText()).trim(), /^conv2d_1 \(14, 14\) of channel 0: rows 12–16 × columns 12–16/);
      await grid.click({ position: { x: 14.5 * scale, y: 14.5 * scale } });
      await maps.locator('canvas.receptive-field-overlay[data-field="conv2d_1:0,14,14"]').waitFor({ timeout: 120_000 });
      // The overlay's own pixels: the box and the wash of the gradient, on a transparent canvas.
      const painted = await overlay.evaluate((canvas) => {
        const { data } = (canvas as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (canvas as HTMLCanvasElement).width, (canvas as HTMLCanvasElement).height);
        const alphas = new Set<number>();
        for (let offset = 3; offset < data.length; offset += 4) if (data[offset]! > 0) alphas.add(data[offset]!);
        return alphas.size;
      });
      assert.ok(painted >= 3, `the box and a graded wash are painted (${painted} opacities)`);
      // The clicked unit's box stays: the picture in view with its caption.
      await maps.locator('figure.input-image').evaluate((figure) => figure.scrollIntoView({ block: 'center', inline: 'nearest' }));
      await maps.locator('canvas.receptive-field-overlay[data-box="12,12,16,16"]').waitFor({ timeout: 10_000 });
      await editor.screenshot(path.join(SCREENSHOTS, 'receptive-field.png'));
      await maps.locator('vscode-button.grad-cam-button').click();
      const cam = maps.locator('canvas.grad-cam-canvas:not([data-cam=""])');
      await cam.waitFor({ timeout: 120_000 });
      assert.match((await cam.getAttribute('data-cam')) ?? '', /^conv2d_2:\d$/, 'the top class over the last convolution');
      assert.match((await maps.locator('.grad-cam-caption').innerText()).trim(), /^class \d \([\d.]+%\) over conv2d_2, 10×10/);
      const pixels = await canvasPixels(cam);
      assert.ok(pixels.colours >= 16, `Grad-CAM is painted over the input: ${JSON.stringify(pixels)}`);
      await maps.locator('.grad-cam-box').evaluate((box) => box.scrollIntoView({ block: 'center', inline: 'nearest' }));
      await editor.screenshot(path.join(SCREENSHOTS, 'grad-cam.png'));
    });

    it('the Train GAN code lens trains and the samples grid fills', async function () {
      this.timeout(540_000);
      const source = fs.readFileSync(path.join(workspace.folder, 'dcgan.ts'), 'utf8');
      const { line } = positionOf(source, 'export const dcganMnist');
      await editor.closeAllEditors();
      const view = await editor.openFile('dcgan.ts', { line: line + 3, column: 3, expectText: "'dcganMnist'" });
      await editor.codeLens(view, 'dcganMnist', 'Train GAN').click();
      const panel = editor.webview();
      await panel.locator('.panel-header', { hasText: 'dcganMnist' }).waitFor({ timeout: 60_000 });
      // Train GAN shows the samples tab: a grid after every epoch, the slider over all of them.
      const samples = panel.locator('vscode-tab-panel[data-tab="samples"]');
      await samples.locator('.timeline-label', { hasText: /epoch 3\b/ }).waitFor({ timeout: 400_000 });
      const grid = samples.locator('canvas.samples-grid');
      await grid.and(panel.locator(':not([data-draws="0"])')).waitFor({ timeout: 60_000 });
      const pixels = await canvasPixels(grid);
      assert.ok(pixels.colours >= 16, `the samples grid is painted: ${JSON.stringify(pixels)}`);
      // Pick the first and the last sample of the 8×8 grid and interpolate between them: the
      // runtime renders the strip from the run's checkpoint.
      await editor.page.locator('.statusbar-item', { hasText: 'dcganMnist: trained' }).first().waitFor({ timeout: 120_000 });
      const box = await grid.boundingBox();
      assert.ok(box !== null, 'the grid has a box');
      // The panel renders on the next animation frame, so each click's caption is waited for
      // (a plain innerText read raced the render under load in CI).
      const caption = (text: string) => samples.locator('.selection-text', { hasText: text }).waitFor({ timeout: 10_000 });
      await grid.click({ position: { x: box.width / 16, y: box.height / 16 } });
      await caption('A = #0; pick B');
      await grid.click({ position: { x: (box.width * 15) / 16, y: (box.height * 15) / 16 } });
      await caption('A = #0, B = #63');
      await samples.locator('vscode-button.interpolate').click();
      const strip = samples.locator('img.interpolation[src^="data:image/png"]');
      await strip.waitFor({ timeout: 120_000 });
      await samples.locator('.interpolation-caption', { hasText: '#0 → #63' }).waitFor({ timeout: 30_000 });
      assert.ok((await strip.evaluate((image) => (image as HTMLImageElement).naturalWidth)) > 0, 'the strip is an image');
      // Not in the README: a few seconds of training on a tiny dataset draw noise, which makes a large PNG.
      await editor.screenshot(path.join(ARTIFACTS, 'gan-samples.png'));
    });

    it('the Summary code lens shows the architecture diagram; a module opens, a layer reveals its line', async function () {
      this.timeout(240_000);
      const source = fs.readFileSync(path.join(workspace.folder, 'googlenet.ts'), 'utf8');
      const { line } = positionOf(source, 'export const googlenet');
      await editor.closeAllEditors();
      const view = await editor.openFile('googlenet.ts', { line: line + 2, column: 3, expectText: "'googlenet'" });
      await editor.hideSideBar();
      await editor.codeLens(view, 'googlenet', 'Summary').click();
      const panel = editor.webview();
      await panel.locator('.panel-header', { hasText: 'googlenet' }).waitFor({ timeout: 60_000 });
      const diagram = panel.locator('.diagram-canvas svg');
      await diagram.locator('.cl-node').first().waitFor({ timeout: 60_000 });
      // Nine inception modules and two aux heads, collapsed; the heads marked training-only.
      assert.equal(await diagram.locator('.cl-node.collapsed.k-concat').count(), 9);
      assert.deepEqual(await diagram.locator('.cl-node.k-aux .cl-training-only').allTextContents(), ['training only', 'training only']);
      // Open inception 3a: four branches joined by a concat of 256@28×28.
      const first = diagram.locator('.cl-node.collapsed.k-concat').first();
      await first.locator('.cl-toggle').click();
      await diagram.locator('.cl-group.k-concat').waitFor({ timeout: 30_000 });
      assert.equal(await diagram.locator('.cl-edge[data-from$="/join"] .cl-edge-label').first().textContent(), '256@28×28');
      assert.equal(await diagram.locator('.cl-edge[data-to$="/join"]').count(), 4);
      // In view: the toolbar, and in the diagram the module opened, below the max pool before it.
      await diagram.locator('.cl-group.k-concat').evaluate((group) => {
        window.scrollTo(0, 0);
        const canvas = group.closest('.diagram-canvas');
        if (canvas !== null) canvas.scrollTop = Math.max(0, (group as SVGGraphicsElement).getBBox().y - 90);
      });
      await editor.screenshot(path.join(SCREENSHOTS, 'architecture.png'));
      // The model's first max pool is made on its own line: a click reveals it in the editor.
      const pool = positionOf(source, 'maxPool2d(3, { stride: 2, ceilMode: true }),');
      await diagram.locator('.cl-node[data-kind="maxPool2d"]').first().click();
      await editor.cursorAt(pool.line, pool.column);
    });

    it('Compare Models puts two models side by side, stage by stage', async function () {
      this.timeout(180_000);
      await editor.closeAllEditors();
      await editor.openFile('two-convolutions.ts', { line: 1, column: 1, expectText: 'conv3x3Twice' });
      await editor.startCommand('ConvLens: Compare Models');
      await editor.pick('Which model of two-convolutions.ts', 'conv5x5');
      await editor.pick('Compare conv5x5 with', 'conv3x3Twice');
      await editor.page.locator('.tabs-container .tab', { hasText: 'conv5x5 vs conv3x3Twice' }).first().waitFor({ timeout: 60_000 });
      const table = editor.webview().locator('table.comparison-table');
      const total = table.locator('tr.total td');
      await total.first().waitFor({ timeout: 60_000 });
      // 25·64² + 64 = 102,464 against 2·(9·64² + 64) = 73,856 parameters; both see 5×5.
      assert.deepEqual(await total.allInnerTexts(), ['total', '2 / 4', '102,464', '73,856', '−28,608', '104.86 M', '75.50 M', '−29.36 M', '512.00 KiB', '1.00 MiB', '+512.00 KiB', '5', '5']);
      await editor.screenshot(path.join(SCREENSHOTS, 'compare.png'));
    });
  });
});

/** Polls a condition on the file system (not the UI) until it holds or the deadline passes. */
async function waitFor(condition: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
