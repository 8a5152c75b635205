/**
 * "ConvLens: Compare Models": the comparison's webview (comparison-html.ts). One panel per
 * pair; comparing the same pair again reveals and refreshes it.
 */
import * as vscode from 'vscode';
import type { ModelComparison } from 'convlens/engine';
import { PANEL_BUNDLE } from '../../webviews/panel-html';
import { renderComparisonHtml } from './comparison-html';

export const COMPARISON_VIEW_TYPE = 'convlens.comparison';

export class ComparisonPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(private readonly extensionUri: vscode.Uri) {}

  show(key: string, a: string, b: string, comparison: ModelComparison): void {
    let panel = this.panels.get(key);
    if (panel === undefined) {
      // The active column: the table is wide (13 columns), and it belongs to no one file.
      panel = vscode.window.createWebviewPanel(COMPARISON_VIEW_TYPE, `ConvLens: ${a} vs ${b}`, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, {
        enableScripts: false,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, PANEL_BUNDLE.root)],
      });
      const created = panel;
      this.panels.set(key, created);
      created.onDidDispose(() => this.panels.delete(key));
    } else {
      panel.reveal(undefined, false);
    }
    const webview = panel.webview;
    webview.html = renderComparisonHtml({
      cspSource: webview.cspSource,
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, PANEL_BUNDLE.style)).toString(),
      a,
      b,
      comparison,
    });
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
  }
}
