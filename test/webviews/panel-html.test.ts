import assert from 'node:assert/strict';
import { panelCsp, PANEL_BUNDLE, renderPanelHtml, ROOT_ELEMENT_ID } from '../../webviews/panel-html';
import * as f from './fixtures';

const NONCE = 'bm9uY2Utbm9uY2Utbm9uY2U=';
const CSP_SOURCE = "'self' https://*.vscode-cdn.net";

function html(initialState?: Parameters<typeof renderPanelHtml>[0]['initialState']): string {
  return renderPanelHtml({
    cspSource: CSP_SOURCE,
    nonce: NONCE,
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webviews/panel.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webviews/panel.css',
    ...(initialState === undefined ? {} : { initialState }),
  });
}

function decodeAttribute(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

describe('webviews: panel HTML', () => {
  it('has a strict CSP: nonce scripts and styles, data: images, nothing else', () => {
    assert.equal(
      panelCsp(CSP_SOURCE, NONCE),
      `default-src 'none'; img-src ${CSP_SOURCE} data:; style-src ${CSP_SOURCE} 'nonce-${NONCE}'; script-src 'nonce-${NONCE}'; font-src ${CSP_SOURCE};`,
    );
    const page = html();
    assert.ok(page.includes(`<meta http-equiv="Content-Security-Policy" content="${panelCsp(CSP_SOURCE, NONCE)}">`));
    assert.doesNotMatch(page, /unsafe-inline|unsafe-eval|wasm-unsafe-eval/);
  });

  it('loads exactly the bundle and the stylesheet, both with the nonce, and no inline script', () => {
    const page = html();
    const scripts = [...page.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    assert.equal(scripts[0]![1], '', 'no inline script body');
    assert.match(scripts[0]![0], new RegExp(`nonce="${NONCE.replace(/[+/=]/g, '\\$&')}" src="https://file\\+\\.vscode-resource\\.vscode-cdn\\.net/ext/dist/webviews/panel\\.js"`));
    assert.match(page, /<link rel="stylesheet" nonce="[^"]+" href="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webviews\/panel\.css">/);
    assert.ok(page.includes(`<div id="${ROOT_ELEMENT_ID}"></div>`));
    assert.deepEqual(PANEL_BUNDLE, { root: 'dist/webviews', script: 'dist/webviews/panel.js', style: 'dist/webviews/panel.css' });
  });

  it('embeds the initial state as an escaped attribute that round-trips, even with markup in it', () => {
    const initialState = { title: '</script><script>alert(1)</script> "evil" & \'co\'', kind: 'model' as const, tab: 'training' as const, summary: f.LENET_SUMMARY };
    const page = html(initialState);
    assert.doesNotMatch(page, /<script>alert/);
    const attribute = /data-initial-state="([^"]*)"/.exec(page);
    assert.ok(attribute !== null);
    assert.deepEqual(JSON.parse(decodeAttribute(attribute[1]!)), initialState);
    assert.ok(page.includes('<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &quot;evil&quot; &amp; &#39;co&#39;</title>'));
  });

  it('refuses a nonce or CSP source that could break out of the policy', () => {
    const base = { cspSource: CSP_SOURCE, nonce: NONCE, scriptUri: 'a.js', styleUri: 'a.css' };
    assert.throws(() => renderPanelHtml({ ...base, nonce: 'short' }), /nonce/);
    assert.throws(() => renderPanelHtml({ ...base, nonce: `${NONCE}' 'unsafe-inline` }), /nonce/);
    assert.throws(() => renderPanelHtml({ ...base, cspSource: "https://x; script-src 'unsafe-inline'" }), /cspSource/);
    assert.throws(() => renderPanelHtml({ ...base, cspSource: 'https://x"><script>' }), /cspSource/);
    assert.doesNotThrow(() => renderPanelHtml({ ...base, cspSource: 'http://127.0.0.1:8080' }));
  });

  it('escapes the URIs', () => {
    const page = renderPanelHtml({ cspSource: CSP_SOURCE, nonce: NONCE, scriptUri: 'x.js?a="b"&c', styleUri: 'y.css' });
    assert.ok(page.includes('src="x.js?a=&quot;b&quot;&amp;c"'));
  });
});
