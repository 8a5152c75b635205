/**
 * Quick fixes for ConvLens's diagnostics (insert `flatten()`, add a projection shortcut,
 * switch padding to `'same'`). NOTE: VS Code's TypeScript extension asks tsserver for fixes
 * only for the error codes that `getSupportedCodeFixes` lists without a file — TypeScript's
 * own — so it never asks for ConvLens's, whichever plugin is loaded; the extension asks
 * the plugin (`_convlens.codeFixes`), or answers in-process, for each ConvLens diagnostic
 * under the cursor. Registered in both modes; nothing else offers these fixes.
 */
import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE, type ConvLensCodeFix } from 'convlens/service';
import type { ModelAnalysis } from '../analysis/model-analysis';

export class QuickFixProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(
    private readonly analysis: ModelAnalysis,
    private readonly isEngaged: (document: vscode.TextDocument) => boolean,
  ) {}

  async provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext, token: vscode.CancellationToken): Promise<vscode.CodeAction[]> {
    if (document.uri.scheme !== 'file' || !this.isEngaged(document)) return [];
    if (context.only !== undefined && !vscode.CodeActionKind.QuickFix.intersects(context.only)) return [];
    const ours = context.diagnostics.filter((diagnostic) => diagnostic.source === DIAGNOSTIC_SOURCE && typeof diagnostic.code === 'number');
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of ours) {
      const fixes = await this.analysis.codeFixes(document.uri.fsPath, document.offsetAt(diagnostic.range.start), document.offsetAt(diagnostic.range.end), [diagnostic.code as number]);
      if (token.isCancellationRequested) return [];
      for (const fix of fixes) actions.push(toCodeAction(fix, diagnostic, fixes.length === 1));
    }
    return actions;
  }
}

function toCodeAction(fix: ConvLensCodeFix, diagnostic: vscode.Diagnostic, preferred: boolean): vscode.CodeAction {
  const action = new vscode.CodeAction(fix.description, vscode.CodeActionKind.QuickFix);
  action.diagnostics = [diagnostic];
  action.isPreferred = preferred;
  action.edit = new vscode.WorkspaceEdit();
  for (const change of fix.changes) {
    const uri = vscode.Uri.file(change.fileName);
    for (const edit of change.textChanges) {
      const range = new vscode.Range(edit.start.line - 1, edit.start.offset - 1, edit.end.line - 1, edit.end.offset - 1);
      action.edit.replace(uri, range, edit.newText);
    }
  }
  return action;
}
