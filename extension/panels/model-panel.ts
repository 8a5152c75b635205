/**
 * One webview panel per model. The HTML comes from webviews/panel-html.ts with a fresh
 * nonce per load; scripts run only from the built bundle folder (`localResourceRoots`);
 * the webview is not kept alive while hidden (the panel restores its own state with
 * getState/setState), and on each `ready` it gets the summary, the layers and the replay
 * of the model's training run. Incoming messages are validated with `isPanelMessage`;
 * anything else is logged and ignored. Training progress is throttled.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ModelSummary } from 'convlens/service';
import { PANEL_BUNDLE, renderPanelHtml } from '../../webviews/panel-html';
import { isPanelMessage, type HostMessage, type PanelMessage, type PanelTab } from '../../webviews/protocol';
import type { ExtensionLog } from '../log';
import type { ModelTarget } from '../model-target';
import { ProgressThrottle } from './host-messages';
import { panelTitle, toInitialState, toInspectableLayers, toSummarySnapshot } from './panel-content';

export const PANEL_VIEW_TYPE = 'convlens.modelPanel';

/** What a panel asks of the rest of the extension. */
export interface PanelHost {
  readonly extensionUri: vscode.Uri;
  readonly log: ExtensionLog;
  /** The model's summary now (the file may have changed since the panel opened). */
  summary(target: ModelTarget): Promise<ModelSummary | null>;
  /** The messages of the model's current or last training run (a GAN's saved sample grids when there was none this session). */
  replay(target: ModelTarget, kind: 'model' | 'gan' | undefined): Promise<readonly HostMessage[]>;
  /** A validated request of the panel (everything but `ready`). */
  handle(panel: ModelPanel, message: Exclude<PanelMessage, { type: 'ready' }>): Promise<void>;
}

export class ModelPanel implements vscode.Disposable {
  private ready = false;
  private summary: ModelSummary | undefined;
  private tab: PanelTab | undefined;
  /** Inspection results a reloaded panel gets again (the newest of each kind). */
  private readonly remembered = new Map<HostMessage['type'], HostMessage>();
  private readonly throttle: ProgressThrottle;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposeListeners = new Set<() => void>();
  private disposed = false;

  static create(host: PanelHost, target: ModelTarget, summary: ModelSummary | undefined, tab: PanelTab): ModelPanel {
    const bundleRoot = vscode.Uri.joinPath(host.extensionUri, PANEL_BUNDLE.root);
    const webviewPanel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      panelTitle(target.exportName),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: [bundleRoot], enableFindWidget: false },
    );
    return new ModelPanel(host, target, webviewPanel, summary, tab);
  }

  private constructor(
    private readonly host: PanelHost,
    readonly target: ModelTarget,
    private readonly webviewPanel: vscode.WebviewPanel,
    summary: ModelSummary | undefined,
    tab: PanelTab,
  ) {
    this.summary = summary;
    this.tab = tab;
    this.throttle = new ProgressThrottle((message) => void this.post(message));
    const webview = webviewPanel.webview;
    webview.html = this.html(tab);
    this.disposables.push(
      webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      webviewPanel.onDidChangeViewState(({ webviewPanel: changed }) => {
        // NOTE: without retainContextWhenHidden a hidden webview is destroyed; it loads
        // again when shown and says `ready`, and gets everything then.
        if (!changed.visible) this.ready = false;
      }),
      webviewPanel.onDidDispose(() => this.dispose()),
    );
  }

  get title(): string {
    return this.webviewPanel.title;
  }

  /** Shows the panel (and a tab). */
  reveal(tab?: PanelTab): void {
    if (tab !== undefined) {
      this.tab = tab;
      if (this.ready) void this.post({ type: 'showTab', tab });
    }
    this.webviewPanel.reveal(undefined, false);
  }

  setSummary(summary: ModelSummary): void {
    this.summary = summary;
    if (!this.ready) return;
    void this.post({ type: 'summaryUpdated', summary: toSummarySnapshot(summary) });
    void this.post({ type: 'layersListed', layers: toInspectableLayers(summary) });
  }

  /** A training run's message; a panel that is not loaded gets the replay when it is. */
  postTraining(message: HostMessage): void {
    if (this.ready) this.throttle.push(message);
  }

  /** An inspection's result (feature maps, filters, predictions, or why there are none). */
  postInspection(message: HostMessage): void {
    this.remembered.set(message.type, message);
    if (this.ready) void this.post(message);
  }

  onDidDispose(listener: () => void): vscode.Disposable {
    this.disposeListeners.add(listener);
    return { dispose: () => this.disposeListeners.delete(listener) };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ready = false;
    this.throttle.dispose();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.webviewPanel.dispose();
    for (const listener of [...this.disposeListeners]) listener();
    this.disposeListeners.clear();
  }

  private html(tab: PanelTab): string {
    const webview = this.webviewPanel.webview;
    const asUri = (file: string): string => webview.asWebviewUri(vscode.Uri.joinPath(this.host.extensionUri, file)).toString();
    return renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: asUri(PANEL_BUNDLE.script),
      styleUri: asUri(PANEL_BUNDLE.style),
      initialState: toInitialState(this.target.exportName, this.summary, tab),
      title: panelTitle(this.target.exportName),
    });
  }

  private receive(message: unknown): void {
    if (!isPanelMessage(message)) {
      this.host.log.warn(`${this.title}: ignored a message the panel protocol does not know: ${JSON.stringify(message)?.slice(0, 200) ?? String(message)}`);
      return;
    }
    if (message.type === 'ready') {
      void this.onReady();
      return;
    }
    this.host.handle(this, message).catch((error: unknown) => this.host.log.error(`${this.title}: ${message.type}`, error));
  }

  private async onReady(): Promise<void> {
    this.ready = true;
    try {
      const summary = await this.host.summary(this.target);
      if (summary !== null) this.summary = summary;
    } catch (error) {
      this.host.log.error(`${this.title}: could not refresh the summary`, error);
    }
    if (!this.ready) return;
    if (this.summary !== undefined) this.setSummary(this.summary);
    const replay = await this.host.replay(this.target, this.summary?.kind).catch((error: unknown) => {
      this.host.log.error(`${this.title}: could not replay the training run`, error);
      return [];
    });
    if (!this.ready) return;
    for (const message of replay) void this.post(message);
    for (const message of this.remembered.values()) void this.post(message);
    // A tab asked for while the panel was not loaded; afterwards the panel's own state keeps the user's tab.
    if (this.tab !== undefined) void this.post({ type: 'showTab', tab: this.tab });
    this.tab = undefined;
  }

  private async post(message: HostMessage): Promise<void> {
    if (this.disposed) return;
    try {
      await this.webviewPanel.webview.postMessage(message);
    } catch (error) {
      this.host.log.warn(`${this.title}: could not post ${message.type}: ${String(error)}`);
    }
  }
}
