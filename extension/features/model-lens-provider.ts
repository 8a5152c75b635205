/**
 * The code lenses above each exported model (`Train`, `Summary`, `Feature maps`) and GAN
 * (`Train GAN`, `Samples`). extension/README.md lists the titles for the end-to-end tests.
 */
import * as vscode from 'vscode';
import type { ModelLensBody } from 'convlens/service';
import type { ModelAnalysis } from '../analysis/model-analysis';
import { COMMANDS } from '../commands/command-ids';

export const LENS_TITLES = {
  model: [
    ['Train', COMMANDS.trainModel],
    ['Summary', COMMANDS.showSummary],
    ['Feature maps', COMMANDS.showFeatureMaps],
  ],
  gan: [
    ['Train GAN', COMMANDS.trainGan],
    ['Samples', COMMANDS.showSamples],
  ],
} as const;

export class ModelLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly analysis: ModelAnalysis,
    private readonly isEngaged: (document: vscode.TextDocument) => boolean,
  ) {}

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (document.uri.scheme !== 'file' || !this.isEngaged(document)) return [];
    const lenses = await this.analysis.modelLenses(document.uri.fsPath);
    if (token.isCancellationRequested) return [];
    return lenses.flatMap((lens) => toCodeLenses(document, lens));
  }

  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function toCodeLenses(document: vscode.TextDocument, lens: ModelLensBody): vscode.CodeLens[] {
  const range = new vscode.Range(lens.start.line - 1, lens.start.offset - 1, lens.end.line - 1, lens.end.offset - 1);
  return LENS_TITLES[lens.kind].map(
    ([title, command]) => new vscode.CodeLens(range, { title, command, arguments: [document.uri, lens.exportName], tooltip: `${title}: ${lens.exportName} (${lens.modelName})` }),
  );
}
