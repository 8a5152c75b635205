/// <reference lib="dom" />
/**
 * Runs the panel bundle (dist/webviews/panel.js) in headless Chromium, as a VS Code webview
 * would: the page is `renderPanelHtml` (same CSP and nonce), served from 127.0.0.1, with a
 * stub `acquireVsCodeApi` that records posted messages and keeps `setState` in
 * sessionStorage (so a reload plays "hidden and shown again"). Tests drive it with
 * protocol messages as MessageEvents on window, as VS Code delivers them.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { renderPanelHtml } from '../../webviews/panel-html';
import type { HostMessage, PanelInitialState, PanelMessage } from '../../webviews/protocol';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const BUNDLE_DIR = join(ROOT, 'dist', 'webviews');
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'browser');
export const CHROMIUM = process.env['CONVLENS_CHROMIUM'] ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What the stub keeps in the page (read back by `posted()`/`savedState()`). */
const STUB = `(() => {
  const KEY = 'convlens.test.state';
  window.__convlensPosted = [];
  window.__convlensCsp = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__convlensCsp.push(event.violatedDirective + ' ' + event.blockedURI);
  });
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi may only be called once');
    acquired = true;
    return Object.freeze({
      postMessage: (message) => { window.__convlensPosted.push(JSON.parse(JSON.stringify(message))); },
      getState: () => { const text = sessionStorage.getItem(KEY); return text === null ? undefined : JSON.parse(text); },
      setState: (state) => { sessionStorage.setItem(KEY, JSON.stringify(state)); return state; },
    });
  };
})();`;

export interface PanelServer {
  readonly url: string;
  /** What the next page load embeds with `renderPanelHtml({ initialState })`. */
  initialState: PanelInitialState | undefined;
  close(): Promise<void>;
}

export async function startServer(): Promise<PanelServer> {
  let initialState: PanelInitialState | undefined;
  let origin = '';
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/' || path === '/index.html') {
      const html = renderPanelHtml({ cspSource: origin, nonce: randomBytes(18).toString('base64'), scriptUri: `${origin}/panel.js`, styleUri: `${origin}/panel.css`, initialState });
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(html);
      return;
    }
    if (path === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    const file = ({ '/panel.js': 'panel.js', '/panel.css': 'panel.css' } as Record<string, string | undefined>)[path];
    if (file === undefined || !existsSync(join(BUNDLE_DIR, file))) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/css', 'cache-control': 'no-store' });
    response.end(readFileSync(join(BUNDLE_DIR, file)));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    get initialState() {
      return initialState;
    },
    set initialState(value) {
      initialState = value;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  if (!existsSync(join(BUNDLE_DIR, 'panel.js'))) throw new Error('no dist/webviews/panel.js: npm run build');
  const profile = mkdtempSync(join(tmpdir(), 'convlens-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1000, height: 800 },
    deviceScaleFactor: 1,
  });
  await context.addInitScript({ content: STUB });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export class PanelPage {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];

  private constructor(readonly page: Page) {
    page.on('console', (message) => {
      if (message.type() === 'warning') this.warnings.push(message.text());
      if (message.type() === 'error') this.errors.push(message.text());
    });
    page.on('pageerror', (error) => this.errors.push(String(error)));
  }

  static async open(browser: Browser, server: PanelServer): Promise<PanelPage> {
    const page = await browser.context.newPage();
    const panel = new PanelPage(page);
    await page.goto(server.url);
    await panel.ready();
    return panel;
  }

  /** Waits for the panel's `ready` message and the tab element to be upgraded. */
  async ready(): Promise<void> {
    await this.page.waitForFunction(() => (window as unknown as { __convlensPosted: { type: string }[] }).__convlensPosted.some((message) => message.type === 'ready'));
    await this.page.waitForFunction(() => customElements.get('vscode-tabs') !== undefined && document.querySelector('vscode-tabs')?.shadowRoot !== null);
  }

  async reload(): Promise<void> {
    await this.page.reload();
    await this.ready();
  }

  /**
   * Delivers messages the way VS Code does (a MessageEvent on window), dispatched at once so
   * that the panel has taken each in before this resolves, then waits until it settles.
   */
  async send(...messages: (HostMessage | unknown)[]): Promise<void> {
    await this.page.evaluate((list) => {
      for (const message of list) window.dispatchEvent(new MessageEvent('message', { data: message }));
    }, messages);
    await this.settle();
  }

  /**
   * Waits for the panel's own word that nothing is pending — no redraw, trailing redraw or
   * state save (`data-settled` on the body) — in two animation frames running, since a
   * resize observed after layout may schedule one more redraw.
   */
  async settle(): Promise<void> {
    await this.page.evaluate(
      () =>
        new Promise<void>((done) => {
          let quietFrames = 0;
          const check = (): void => {
            quietFrames = document.body.dataset['settled'] === 'true' ? quietFrames + 1 : 0;
            if (quietFrames >= 2) done();
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        }),
    );
  }

  async posted(): Promise<PanelMessage[]> {
    return this.page.evaluate(() => (window as unknown as { __convlensPosted: PanelMessage[] }).__convlensPosted);
  }

  async clearPosted(): Promise<void> {
    await this.page.evaluate(() => {
      (window as unknown as { __convlensPosted: unknown[] }).__convlensPosted.length = 0;
    });
  }

  async savedState(): Promise<unknown> {
    return this.page.evaluate(() => JSON.parse(sessionStorage.getItem('convlens.test.state') ?? 'null'));
  }

  async cspViolations(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { __convlensCsp: string[] }).__convlensCsp);
  }

  async selectTab(label: string): Promise<void> {
    await this.page.locator('vscode-tab-header', { hasText: label }).click();
    await this.settle();
  }

  /** RGBA of a canvas pixel at CSS coordinates (device pixel ratio 1). */
  async pixel(selector: string, x: number, y: number): Promise<[number, number, number, number]> {
    return this.page.evaluate(
      ([css, px, py]) => {
        const canvas = document.querySelector(css as string) as HTMLCanvasElement | null;
        if (canvas === null) throw new Error(`no canvas ${css}`);
        const data = canvas.getContext('2d')!.getImageData(Math.round(px as number), Math.round(py as number), 1, 1).data;
        return [data[0]!, data[1]!, data[2]!, data[3]!] as [number, number, number, number];
      },
      [selector, x, y] as const,
    );
  }

  /** Counts pixels in a canvas rectangle whose colour is within `tolerance` of `rgb`. */
  async countColour(selector: string, rect: { x: number; y: number; width: number; height: number }, rgb: readonly [number, number, number], tolerance = 40): Promise<number> {
    return this.page.evaluate(
      ({ css, rect, rgb, tolerance }) => {
        const canvas = document.querySelector(css) as HTMLCanvasElement | null;
        if (canvas === null) throw new Error(`no canvas ${css}`);
        const x = Math.max(0, Math.round(rect.x));
        const y = Math.max(0, Math.round(rect.y));
        const width = Math.min(canvas.width - x, Math.round(rect.width));
        const height = Math.min(canvas.height - y, Math.round(rect.height));
        if (width <= 0 || height <= 0) return 0;
        const data = canvas.getContext('2d')!.getImageData(x, y, width, height).data;
        let count = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! < 128) continue;
          if (Math.abs(data[i]! - rgb[0]) + Math.abs(data[i + 1]! - rgb[1]) + Math.abs(data[i + 2]! - rgb[2]) <= tolerance) count++;
        }
        return count;
      },
      { css: selector, rect, rgb: [...rgb] as [number, number, number], tolerance },
    );
  }

  /** A CSS custom property's colour as RGB, read from the page (theme-aware). */
  async cssRgb(property: string): Promise<[number, number, number]> {
    return this.page.evaluate((name) => {
      const probe = document.createElement('span');
      probe.style.color = `var(${name})`;
      document.body.append(probe);
      const match = /rgba?\((\d+), (\d+), (\d+)/.exec(getComputedStyle(probe).color);
      probe.remove();
      if (match === null) throw new Error(`no colour for ${name}`);
      return [Number(match[1]), Number(match[2]), Number(match[3])] as [number, number, number];
    }, property);
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    return path;
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
