/**
 * Shape hints in a default VS Code setup: VS Code asks tsserver for inlay hints only when
 * one of its `typescript.inlayHints.*` settings is on, so the extension shows them with its
 * own provider, fed by the plugin's `_convlens.inlayHints` request (or in-process).
 */
import * as vscode from 'vscode';
import type { ModelAnalysis } from '../analysis/model-analysis';

export class ShapeHintsProvider implements vscode.InlayHintsProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;

  constructor(
    private readonly analysis: ModelAnalysis,
    private readonly isEngaged: (document: vscode.TextDocument) => boolean,
    private readonly enabled: () => boolean,
  ) {}

  async provideInlayHints(document: vscode.TextDocument, range: vscode.Range, token: vscode.CancellationToken): Promise<vscode.InlayHint[]> {
    if (!this.enabled() || document.uri.scheme !== 'file' || !this.isEngaged(document)) return [];
    const start = document.offsetAt(range.start);
    const hints = await this.analysis.inlayHints(document.uri.fsPath, start, document.offsetAt(range.end) - start);
    if (token.isCancellationRequested) return [];
    return hints.map((found) => {
      const hint = new vscode.InlayHint(new vscode.Position(found.position.line - 1, found.position.offset - 1), found.text, vscode.InlayHintKind.Type);
      hint.paddingLeft = found.whitespaceBefore;
      return hint;
    });
  }

  /** Settings changed or a document started importing convlens: VS Code asks again. */
  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
