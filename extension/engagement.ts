/**
 * Whether the extension is at work. It activates on any TypeScript file but does nothing
 * until a document imports `convlens` (or a workspace package.json depends on it); from
 * then on it serves every TypeScript document, since a file may reach the DSL through a
 * local helper (the plugin decides that cheaply).
 */
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { dependsOnConvLens, importsConvLens } from './analysis/convlens-imports';

const TYPESCRIPT_LANGUAGES: ReadonlySet<string> = new Set(['typescript', 'typescriptreact']);

export class Engagement implements vscode.Disposable {
  private engaged = false;
  private readonly listeners = new Set<() => void>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly log: (message: string) => void) {
    for (const document of vscode.workspace.textDocuments) this.check(document);
    if (!this.engaged) {
      this.disposables.push(
        vscode.workspace.onDidOpenTextDocument((document) => this.check(document)),
        vscode.workspace.onDidSaveTextDocument((document) => this.check(document)),
        vscode.window.onDidChangeActiveTextEditor((editor) => editor !== undefined && this.check(editor.document)),
      );
      void this.checkPackageJsons();
    }
  }

  get active(): boolean {
    return this.engaged;
  }

  /** Whether to serve this document now. */
  serves(document: vscode.TextDocument): boolean {
    if (!TYPESCRIPT_LANGUAGES.has(document.languageId)) return false;
    if (!this.engaged) this.check(document);
    return this.engaged;
  }

  /** Called once, when the extension starts its work. */
  onDidEngage(listener: () => void): void {
    if (this.engaged) listener();
    else this.listeners.add(listener);
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.listeners.clear();
  }

  private check(document: vscode.TextDocument): void {
    if (this.engaged || !TYPESCRIPT_LANGUAGES.has(document.languageId) || document.uri.scheme !== 'file') return;
    if (importsConvLens(document.getText())) this.engage(`${vscode.workspace.asRelativePath(document.uri)} imports convlens`);
  }

  private async checkPackageJsons(): Promise<void> {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const text = await readFile(vscode.Uri.joinPath(folder.uri, 'package.json').fsPath, 'utf8').catch(() => undefined);
      if (text !== undefined && dependsOnConvLens(text)) {
        this.engage(`${folder.name}/package.json depends on convlens`);
        return;
      }
    }
  }

  private engage(reason: string): void {
    if (this.engaged) return;
    this.engaged = true;
    this.log(`at work: ${reason}`);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    for (const listener of [...this.listeners]) listener();
    this.listeners.clear();
  }
}
