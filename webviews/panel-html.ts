/**
 * The HTML shell of a ConvLens panel, as a pure function of strings: the extension calls it
 * with `webview.cspSource`, a fresh nonce and `webview.asWebviewUri(...)` strings, and the
 * browser tests call it with a local server's URLs, so both load the same page.
 *
 * No `vscode` import, no Node or DOM API (it runs in the extension host and in tests).
 */
import type { PanelInitialState } from './protocol';

/** The built files, relative to the extension root (see webviews/build.mjs). */
export const PANEL_BUNDLE = {
  /** `localResourceRoots` should be exactly this folder. */
  root: 'dist/webviews',
  script: 'dist/webviews/panel.js',
  style: 'dist/webviews/panel.css',
} as const;

/** The element whose `data-initial-state` attribute carries the JSON of `initialState`. */
export const ROOT_ELEMENT_ID = 'convlens-root';

export interface PanelHtmlOptions {
  /** `webview.cspSource` (e.g. `https://*.vscode-cdn.net`), or the test server's origin. */
  readonly cspSource: string;
  /** A fresh random nonce per page load (letters, digits, `+/=_-`; at least 16 characters). */
  readonly nonce: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly initialState?: PanelInitialState;
  /** The document title (defaults to the initial state's title). */
  readonly title?: string;
}

/** The Content-Security-Policy of a panel: nothing but its own bundle, styles and data: images. */
export function panelCsp(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ') + ';';
}

export function renderPanelHtml(options: PanelHtmlOptions): string {
  const { cspSource, nonce, scriptUri, styleUri } = options;
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(nonce)) throw new Error('renderPanelHtml: the nonce must be at least 16 characters of [A-Za-z0-9+/=_-]');
  // The CSP source goes into a policy (VS Code's reads `'self' https://*.vscode-cdn.net`):
  // refuse anything that could end a directive or the attribute.
  if (!/^[^\s;"<>,]+(?: [^\s;"<>,]+)*$/.test(cspSource)) throw new Error(`renderPanelHtml: unexpected cspSource ${JSON.stringify(cspSource)}`);
  const title = options.title ?? options.initialState?.title ?? 'ConvLens';
  const state = options.initialState === undefined ? '' : ` data-initial-state="${escapeHtml(JSON.stringify(options.initialState))}"`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${panelCsp(cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${escapeHtml(styleUri)}">
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="${ROOT_ELEMENT_ID}"${state}></div>
<script nonce="${nonce}" src="${escapeHtml(scriptUri)}"></script>
</body>
</html>
`;
}

/** Escapes text for an HTML attribute value or element content. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
