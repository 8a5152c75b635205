/**
 * The open model panels, one per model (opening one that exists reveals it), each fed
 * with its model's training messages and kept current as its file changes. A closed panel
 * is forgotten and what it held is disposed; a training run it showed goes on (the status
 * bar shows it, and the panel replays it when opened again).
 */
import * as vscode from 'vscode';
import type { ModelSummary } from 'convlens/service';
import type { PanelMessage, PanelTab } from '../../webviews/protocol';
import type { ModelAnalysis } from '../analysis/model-analysis';
import type { ExtensionLog } from '../log';
import { runFolder } from '../inspection/checkpoint-files';
import { readSavedSamples } from '../inspection/saved-samples';
import { ActionError, targetKey, workspaceFolderOf, type ModelTarget } from '../model-target';
import type { TrainingController } from '../training/training-controller';
import { ModelPanel, type PanelHost } from './model-panel';

/** A file's panels get its new summary this long after the last keystroke. */
const SUMMARY_REFRESH_MS = 500;

export type PanelRequestHandler = (panel: ModelPanel, message: Exclude<PanelMessage, { type: 'ready' }>) => Promise<void>;

export class PanelManager implements vscode.Disposable {
  private readonly panels = new Map<string, ModelPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly refreshTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private handler: PanelRequestHandler = async () => undefined;
  private readonly host: PanelHost;

  constructor(
    extensionUri: vscode.Uri,
    private readonly log: ExtensionLog,
    private readonly analysis: ModelAnalysis,
    training: TrainingController,
  ) {
    this.host = {
      extensionUri,
      log,
      summary: (target) => this.analysis.summary(target.uri.fsPath, target.exportName),
      replay: async (target, kind) => {
        const messages = training.replay(target);
        if (messages.length > 0 || kind !== 'gan') return messages;
        return await readSavedSamples(runFolder(workspaceFolderOf(target.uri), target.exportName));
      },
      handle: (panel, message) => this.handler(panel, message),
    };
    this.disposables.push(
      training.onMessage((target, message) => this.panels.get(targetKey(target))?.postTraining(message)),
      vscode.workspace.onDidChangeTextDocument((event) => this.scheduleRefresh(event.document.uri)),
    );
  }

  /** Who answers the panels' requests (the commands, set once they exist). */
  setRequestHandler(handler: PanelRequestHandler): void {
    this.handler = handler;
  }

  get(target: ModelTarget): ModelPanel | undefined {
    return this.panels.get(targetKey(target));
  }

  /** Opens the model's panel on `tab`, or reveals the open one. */
  async open(target: ModelTarget, tab: PanelTab): Promise<ModelPanel> {
    const existing = this.get(target);
    if (existing !== undefined) {
      existing.reveal(tab);
      return existing;
    }
    const summary = await this.analysis.summary(target.uri.fsPath, target.exportName);
    if (summary === null) throw new ActionError(`${vscode.workspace.asRelativePath(target.uri)} has no exported model '${target.exportName}' that ConvLens can evaluate`);
    // Another open() may have made it while the summary was on its way.
    const raced = this.get(target);
    if (raced !== undefined) {
      raced.reveal(tab);
      return raced;
    }
    const panel = ModelPanel.create(this.host, target, summary, tab);
    const key = targetKey(target);
    this.panels.set(key, panel);
    panel.onDidDispose(() => {
      if (this.panels.get(key) === panel) this.panels.delete(key);
      this.log.info(`${panel.title} closed`);
    });
    this.log.info(`${panel.title} opened on ${tab}`);
    return panel;
  }

  /** Sends every open panel of a file its current summary (settings changed, say). */
  async refreshAll(): Promise<void> {
    await Promise.all([...this.panels.values()].map((panel) => this.refresh(panel)));
  }

  dispose(): void {
    for (const timer of this.refreshTimers.values()) clearTimeout(timer);
    this.refreshTimers.clear();
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private scheduleRefresh(uri: vscode.Uri): void {
    const panels = [...this.panels.values()].filter((panel) => panel.target.uri.toString() === uri.toString());
    if (panels.length === 0) return;
    const key = uri.toString();
    clearTimeout(this.refreshTimers.get(key));
    this.refreshTimers.set(
      key,
      setTimeout(() => {
        this.refreshTimers.delete(key);
        for (const panel of panels) void this.refresh(panel);
      }, SUMMARY_REFRESH_MS),
    );
  }

  private async refresh(panel: ModelPanel): Promise<void> {
    try {
      const summary: ModelSummary | null = await this.analysis.summary(panel.target.uri.fsPath, panel.target.exportName);
      if (summary !== null) panel.setSummary(summary);
    } catch (error) {
      this.log.error(`${panel.title}: could not refresh the summary`, error);
    }
  }
}
