/**
 * The page of "ConvLens: Compare Models" (extension/panels/comparison-html.ts): static HTML
 * under a CSP that lets no script run, the stages and totals of the engine's comparison.
 */
import assert from 'node:assert/strict';
import { analyze, compareModels, type ModelAnalysis } from 'convlens/engine';
import type { ModelNode } from 'convlens/ir';
import { renderComparisonHtml } from '../extension/panels/comparison-html';
import { conv3x3Twice, conv5x5 } from '../examples/two-convolutions';

const analysed = (root: ModelNode): ModelAnalysis => analyze(root) as ModelAnalysis;

describe('extension: the Compare Models page', () => {
  const html = renderComparisonHtml({
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webviews/panel.css',
    a: 'conv5x5',
    b: 'conv3x3<Twice>',
    comparison: compareModels(analysed(conv5x5), analysed(conv3x3Twice)),
  });

  it('runs no script: the CSP names none and the page has none', () => {
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src https:\/\/file\+\.vscode-resource\.vscode-cdn\.net; font-src [^"]+;">/);
    assert.doesNotMatch(html, /<script|script-src|\son[a-z]+=/i);
  });

  it('one row per stage and the totals: 102,464 against 73,856 parameters, receptive field 5 both', () => {
    const rows = [...html.matchAll(/<tr( class="total")? data-stage="([^"]+)">(.*?)<\/tr>/g)].map((match) => [match[2], [...match[3]!.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((cell) => cell[1])]);
    assert.deepEqual(rows.map(([stage]) => stage), ['32×32', 'total']);
    assert.deepEqual(rows[1]![1], ['total', '2 / 4', '102,464', '73,856', '−28,608', '104.86 M', '75.50 M', '−29.36 M', '512.00 KiB', '1.00 MiB', '+512.00 KiB', '5', '5']);
  });

  it('escapes names', () => {
    assert.match(html, /B = conv3x3&lt;Twice&gt;/);
  });
});
