/// <reference lib="dom" />
/**
 * The architecture diagram of the Summary tab in headless Chromium: the summaries the
 * extension sends for LeNet-5, GoogLeNet, ResNet-50 and ResNet-152 (made here by the same
 * engine and service), drawn under the panel's strict CSP. Structure, collapse and expand,
 * emphasis, clicks that post `revealLine`, Save as SVG / PNG. ResNet-152's render time is
 * measured and printed (and written to test-results/browser/diagram-timing.json), not asserted.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from 'convlens/engine';
import type { ModelNode } from 'convlens/ir';
import { summarizeAnalysis } from 'convlens/service';
import { toSummarySnapshot } from '../../extension/panels/panel-content';
import { googlenet } from '../../examples/googlenet';
import { lenet5 } from '../../examples/lenet5';
import { resnet152, resnet50 } from '../../examples/resnet';
import type { HostMessage } from '../../webviews/protocol';
import { launchBrowser, PanelPage, SCREENSHOT_DIR, startServer, type Browser, type PanelServer } from './harness';

/** Lines of LeNet-5's layer calls in examples/lenet5.ts (C1 … output). */
const LENET_LINES = [21, 22, 23, 25, 26, 27, 29, 30, 31, 32, 33, 34];

function summaryOf(exportName: string, root: ModelNode, lineOf: (node: object) => number | null = () => null): HostMessage {
  return { type: 'summaryUpdated', summary: toSummarySnapshot(summarizeAnalysis(exportName, analyze(root), 'C@HxW', lineOf)) };
}

describe('browser: the architecture diagram', function () {
  this.timeout(120_000);
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

  afterEach(async function () {
    if (panel === null) return;
    const current = panel;
    panel = null;
    const violations = await current.cspViolations();
    await current.close();
    if (this.currentTest?.state === 'passed') {
      assert.deepEqual(violations, [], 'CSP violations');
      assert.deepEqual(current.errors, [], 'console errors');
    }
  });

  async function open(message: HostMessage): Promise<PanelPage> {
    panel = await PanelPage.open(browser, server);
    await panel.send(message);
    return panel;
  }

  /** Nodes on screen: [label, kind class, detail]. */
  async function nodes(page: PanelPage): Promise<{ id: string; label: string; classes: string; detail: string }[]> {
    return page.page.$$eval('.diagram-canvas .cl-node', (elements) =>
      elements.map((element) => ({
        id: element.getAttribute('data-node') ?? '',
        label: element.querySelector('.cl-label')?.textContent ?? '',
        classes: element.getAttribute('class') ?? '',
        detail: element.querySelector('.cl-detail')?.textContent ?? '',
      })),
    );
  }

  async function edgeLabelsInto(page: PanelPage, id: string): Promise<string[]> {
    return page.page.$$eval(`.diagram-canvas .cl-edge[data-to="${id}"] .cl-edge-label`, (labels) => labels.map((label) => label.textContent ?? ''));
  }

  async function toggle(page: PanelPage, label: string): Promise<void> {
    const id = await page.page.$$eval(
      '.diagram-canvas .cl-node.collapsed, .diagram-canvas .cl-group',
      (elements, wanted) => {
        for (const element of elements) {
          const text = element.querySelector('.cl-label, .cl-group-label')?.textContent ?? '';
          if (text === wanted || text.startsWith(`${wanted} ·`)) return element.getAttribute('data-node') ?? element.getAttribute('data-group');
        }
        return null;
      },
      label,
    );
    assert.notEqual(id, null, `no container ${label} on screen`);
    await page.page.locator(`.diagram-canvas [data-toggle="${id}"]`).first().click();
    await page.settle();
  }

  it('LeNet-5: a node per layer, edges labelled C@H×W; clicking a layer posts revealLine', async () => {
    const page = await open(summaryOf('lenet5', lenet5, (node) => LENET_LINES[lenet5.layers.indexOf(node as never)] ?? null));
    const shown = await nodes(page);
    assert.deepEqual(
      shown.map((node) => node.label),
      ['input', 'C1', 'tanh_1', 'S2', 'C3', 'tanh_2', 'S4', 'C5', 'tanh_3', 'flatten_1', 'F6', 'tanh_4', 'output', 'output'],
    );
    const labels = await page.page.$$eval('.diagram-canvas .cl-edge-label', (elements) => elements.map((element) => element.textContent));
    assert.deepEqual(labels, ['1@32×32', '6@28×28', '6@28×28', '6@14×14', '16@10×10', '16@10×10', '16@5×5', '120@1×1', '120@1×1', '120', '84', '84', '10']);
    // Params emphasis by default: C5's 48,120 parameters are the most, C1's 156 get √(156/48,120) of the bar.
    assert.equal(await page.page.getAttribute('.diagram-canvas [data-node="6"]', 'data-weight'), '1.000');
    assert.equal(await page.page.getAttribute('.diagram-canvas [data-node="0"]', 'data-weight'), '0.057');
    await page.page.locator('.diagram-emphasis[data-emphasis="macs"]').click();
    await page.settle();
    // MACs: C3's 240,000 are the most.
    assert.equal(await page.page.getAttribute('.diagram-canvas svg', 'data-emphasis'), 'macs');
    assert.equal(await page.page.getAttribute('.diagram-canvas [data-node="3"]', 'data-weight'), '1.000');
    await page.screenshot('diagram-lenet5');

    await page.clearPosted();
    await page.page.locator('.diagram-canvas .cl-node[data-node="0"]').click();
    await page.page.locator('.diagram-canvas .cl-node[data-node="11"]').click();
    assert.deepEqual(await page.posted(), [
      { type: 'revealLine', line: 21 },
      { type: 'revealLine', line: 34 },
    ]);
    await page.page.locator('.diagram-canvas .cl-node[data-node="3"]').focus();
    await page.page.keyboard.press('Enter');
    assert.deepEqual((await page.posted()).at(-1), { type: 'revealLine', line: 25 }, 'Enter on a focused node');
  });

  it('GoogLeNet: modules collapsed; expanding one shows four branches joined by a concat; aux heads marked training-only', async () => {
    const page = await open(summaryOf('googlenet', googlenet));
    let shown = await nodes(page);
    assert.equal(shown.filter((node) => /\bk-concat\b/.test(node.classes) && /\bcollapsed\b/.test(node.classes)).length, 9);
    const heads = shown.filter((node) => /\bk-aux\b/.test(node.classes));
    assert.deepEqual(
      heads.map((node) => [node.label, node.detail, /\baux\b/.test(node.classes)]),
      [
        ['aux1', 'aux · 9 layers · training only', true],
        ['aux2', 'aux · 9 layers · training only', true],
      ],
    );
    assert.equal(await page.page.locator('.diagram-canvas .cl-edge.aux').count(), 2);

    await toggle(page, 'concat_1');
    shown = await nodes(page);
    const join = shown.find((node) => node.classes.includes('join'))!;
    assert.equal(join.label, '‖');
    assert.deepEqual(await edgeLabelsInto(page, join.id), ['64@28×28', '128@28×28', '32@28×28', '32@28×28']);
    assert.equal(await page.page.locator('.diagram-canvas .cl-group.k-concat').count(), 1);
    await page.screenshot('diagram-googlenet');

    await toggle(page, 'concat_1');
    assert.equal(await page.page.locator('.diagram-canvas .cl-group.k-concat').count(), 0, 'collapsed again');
    await toggle(page, 'aux1');
    assert.match((await page.page.textContent('.diagram-canvas .cl-group.k-aux .cl-group-label')) ?? '', /aux1 · aux · training only/);
    assert.equal(await page.page.locator('.diagram-canvas .cl-group.k-aux .cl-frame').count(), 1);
    // aux1 open (its head, the only child, opens with it): pool, conv, BN, ReLU, flatten, dense, ReLU, dropout, dense; aux2 still one node.
    assert.equal(await page.page.locator('.diagram-canvas .cl-node.aux').count(), 9 + 1);
  });

  it('ResNet-50: a residual block joins its main path and its shortcut: a projection first, identity after', async () => {
    const page = await open(summaryOf('resnet50', resnet50));
    assert.deepEqual(
      (await nodes(page)).filter((node) => node.classes.includes('collapsed')).map((node) => node.detail),
      ['sequential · 29 layers', 'sequential · 38 layers', 'sequential · 56 layers', 'sequential · 29 layers'],
    );
    await toggle(page, 'sequential_1');
    // layer1's three bottleneck blocks (each a residual and a ReLU: 11, 9, 9 layers).
    const blocks = (await nodes(page)).filter((node) => node.classes.includes('collapsed'));
    assert.deepEqual(blocks.slice(0, 3).map((node) => node.detail), ['sequential · 11 layers', 'sequential · 9 layers', 'sequential · 9 layers']);
    await toggle(page, blocks[0]!.label);
    await toggle(page, 'residual_1');
    // The second block's residual has 8 layers: it opens with its block.
    await toggle(page, blocks[1]!.label);
    const joins = (await nodes(page)).filter((node) => node.classes.includes('join'));
    assert.deepEqual(joins.map((node) => node.label), ['+', '+']);
    // The first block's projection (1×1 conv + BN) and main path both give 256@56×56; the second adds its input unchanged.
    assert.deepEqual(await edgeLabelsInto(page, joins[0]!.id), ['256@56×56', '256@56×56']);
    assert.equal(await page.page.locator(`.diagram-canvas .cl-edge.identity[data-to="${joins[0]!.id}"]`).count(), 0);
    assert.equal(await page.page.locator(`.diagram-canvas .cl-edge.identity[data-to="${joins[1]!.id}"]`).count(), 1);
    await page.screenshot('diagram-resnet50');
  });

  it('ResNet-152 renders with its stages collapsed (time printed, not asserted)', async () => {
    panel = await PanelPage.open(browser, server);
    const page = panel;
    const message = summaryOf('resnet152', resnet152);
    // From the message's arrival to the frame after the SVG is in the page.
    const wall = await page.page.evaluate(
      (data) =>
        new Promise<number>((done) => {
          const started = performance.now();
          window.dispatchEvent(new MessageEvent('message', { data }));
          const check = (): void => {
            if (document.querySelector('.diagram-canvas svg') !== null) requestAnimationFrame(() => done(performance.now() - started));
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        }),
      message,
    );
    await page.settle();
    const drawn = Number(await page.page.getAttribute('.diagram-canvas', 'data-render-ms'));
    assert.equal(await page.page.locator('.diagram-canvas .cl-node').count(), 12);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    writeFileSync(join(SCREENSHOT_DIR, 'diagram-timing.json'), `${JSON.stringify({ model: 'resnet152', drawMs: drawn, messageToFrameMs: Math.round(wall) }, null, 2)}\n`);
    console.log(`      ResNet-152 diagram: drawn in ${drawn.toFixed(1)} ms (graph, layout, SVG, DOM); ${Math.round(wall)} ms from the summary message to the next frame`);
  });

  it('Save as SVG and PNG post the picture with its stylesheet and the theme’s colours', async () => {
    const page = await open(summaryOf('lenet5', lenet5));
    await page.clearPosted();
    await page.page.locator('.diagram-save[data-format="svg"]').click();
    await page.page.locator('.diagram-save[data-format="png"]').click();
    await page.page.waitForFunction(() => (window as unknown as { __convlensPosted: unknown[] }).__convlensPosted.length === 2);
    const [svg, png] = (await page.posted()) as { type: string; format: string; data: string }[];
    assert.deepEqual([svg!.type, svg!.format, png!.type, png!.format], ['saveDiagram', 'svg', 'saveDiagram', 'png']);
    assert.match(svg!.data, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg!.data, /<style>\.cl-diagram \{ --vscode-font-family: [^;]+;/, svg!.data.slice(0, 600));
    assert.equal((svg!.data.match(/<g class="cl-node /g) ?? []).length, 14);
    assert.match(png!.data, /^iVBORw0KGgo/);
    // Twice the SVG's size.
    const header = Buffer.from(png!.data.slice(0, 32), 'base64');
    const [width, height] = [header.readUInt32BE(16), header.readUInt32BE(20)];
    const [svgWidth, svgHeight] = [Number(/ width="(\d+)"/.exec(svg!.data)![1]), Number(/ height="(\d+)"/.exec(svg!.data)![1])];
    assert.deepEqual([width, height], [svgWidth * 2, svgHeight * 2]);
  });
});
