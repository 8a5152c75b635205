/**
 * A model a command acts on: an export of a file. Code lenses pass `(uri, exportName)`;
 * from the palette the active editor's models are offered (the one above the cursor first).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelLensBody } from 'convlens/service';
import type { ModelAnalysis } from './analysis/model-analysis';

export interface ModelTarget {
  readonly uri: vscode.Uri;
  readonly exportName: string;
}

/** One panel, one training run and one run folder per target. */
export function targetKey(target: ModelTarget): string {
  return `${target.uri.toString()}#${target.exportName}`;
}

/** The folder runs are kept in and relative datasets resolve against: the file's workspace folder. */
export function workspaceFolderOf(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
}

/** A user's problem with an action (not a bug): reported without a stack trace. */
export class ActionError extends Error {
  override readonly name = 'ActionError';
}

/**
 * The target of a command: its arguments when a code lens (or a test) passed them, else a
 * model of the active editor's file — the only one, or the one the user picks.
 */
export async function resolveTarget(analysis: ModelAnalysis, args: readonly unknown[], kind?: 'model' | 'gan'): Promise<ModelTarget | undefined> {
  const [first, second] = args;
  if (first instanceof vscode.Uri && typeof second === 'string') return { uri: first, exportName: second };
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined || editor.document.uri.scheme !== 'file') throw new ActionError('open a TypeScript file with an exported model first');
  const document = editor.document;
  const lenses = (await analysis.modelLenses(document.uri.fsPath)).filter((lens) => kind === undefined || lens.kind === kind);
  const what = kind === 'gan' ? 'GAN' : kind === 'model' ? 'model (a classifier)' : 'model or GAN';
  if (lenses.length === 0) throw new ActionError(`${path.basename(document.uri.fsPath)} exports no ${what} that ConvLens can evaluate`);
  if (lenses.length === 1) return { uri: document.uri, exportName: lenses[0]!.exportName };
  const nearest = nearestAbove(lenses, editor.selection.active.line + 1);
  const items = lenses.map((lens) => ({ label: lens.exportName, description: `${lens.kind} '${lens.modelName}', line ${lens.start.line}`, lens }));
  const picked = await vscode.window.showQuickPick(
    [...items.filter((item) => item.lens === nearest), ...items.filter((item) => item.lens !== nearest)],
    { placeHolder: `Which ${kind === 'gan' ? 'GAN' : 'model'} of ${path.basename(document.uri.fsPath)}?` },
  );
  return picked === undefined ? undefined : { uri: document.uri, exportName: picked.lens.exportName };
}

function nearestAbove(lenses: readonly ModelLensBody[], line: number): ModelLensBody | undefined {
  let best: ModelLensBody | undefined;
  for (const lens of lenses) if (lens.start.line <= line && (best === undefined || lens.start.line > best.start.line)) best = lens;
  return best;
}
