#!/usr/bin/env node
/**
 * Bundles the ConvLens panel for the browser (a VS Code webview):
 *
 *   dist/webviews/panel.js   webviews/panel/main.ts + the @vscode-elements components it uses
 *                            (one IIFE, target chrome120, minified)
 *   dist/webviews/panel.css  webviews/panel/panel.css (minified)
 *
 * `npm run build:webviews`; `node webviews/build.mjs --dev` keeps it readable with source maps.
 * tsc (`tsc -b`) type-checks these sources; esbuild only bundles them.
 */
import { build } from 'esbuild';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const outdir = join(root, 'dist', 'webviews');
const dev = process.argv.includes('--dev');

// The web components the panel creates (document.createElement('vscode-…')). Importing them
// here, not from main.ts, keeps the ESM-only package out of tsc's CommonJS build.
const ELEMENTS = [
  'vscode-badge',
  'vscode-button',
  'vscode-option',
  'vscode-progress-bar',
  'vscode-single-select',
  'vscode-tab-header',
  'vscode-tab-panel',
  'vscode-table',
  'vscode-table-body',
  'vscode-table-cell',
  'vscode-table-header',
  'vscode-table-header-cell',
  'vscode-table-row',
  'vscode-tabs',
  'vscode-textfield',
];

const entry = [...ELEMENTS.map((name) => `import '@vscode-elements/elements/dist/${name}/index.js';`), `import './panel/main.ts';`].join('\n');

mkdirSync(outdir, { recursive: true });
const started = Date.now();
const common = { bundle: true, minify: !dev, sourcemap: dev ? 'linked' : false, target: ['chrome120'], logLevel: 'warning', legalComments: 'none' };
await Promise.all([
  build({
    ...common,
    stdin: { contents: entry, resolveDir: here, sourcefile: 'panel-entry.ts', loader: 'ts' },
    outfile: join(outdir, 'panel.js'),
    format: 'iife',
    platform: 'browser',
    tsconfig: join(here, 'tsconfig.json'),
  }),
  build({ ...common, entryPoints: [join(here, 'panel', 'panel.css')], outfile: join(outdir, 'panel.css') }),
]);
for (const file of ['panel.js', 'panel.css']) {
  const path = join(outdir, file);
  console.log(`[build:webviews] ${relative(root, path)} ${(statSync(path).size / 1024).toFixed(1)} KiB`);
}
console.log(`[build:webviews] done in ${Date.now() - started} ms`);
