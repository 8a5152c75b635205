/**
 * Export Model: the model (from static evaluation) to PyTorch with interop/'s
 * `exportToPyTorch` — model.py, train.py, convlens_checkpoint.py and a README — in a folder
 * next to the file's workspace, as `convlens export --to pytorch` writes it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ExportError, exportToPyTorch, writeExportFiles } from 'convlens/interop';
import type { ExtensionParts } from '../extension-parts';
import { ActionError, resolveTarget, workspaceFolderOf } from '../model-target';

export async function exportModel(parts: ExtensionParts, args: readonly unknown[]): Promise<void> {
  const target = await resolveTarget(parts.analysis, args);
  if (target === undefined) return;
  const model = await parts.analysis.model(target.uri.fsPath, target.exportName);
  if (model === null) throw new ActionError(`${vscode.workspace.asRelativePath(target.uri)} has no exported model '${target.exportName}' that ConvLens can evaluate`);
  if (model.unknown !== null) throw new ActionError(`${target.exportName} has a value static evaluation cannot know: ${model.unknown}`);

  const cwd = workspaceFolderOf(target.uri);
  const answer = await vscode.window.showInputBox({
    title: `ConvLens: export ${target.exportName} to PyTorch`,
    prompt: 'The folder for model.py, train.py and convlens_checkpoint.py (relative to the workspace folder)',
    value: `${target.exportName}-pytorch`,
    validateInput: (value) => (value.trim() === '' ? 'A folder name, please' : undefined),
  });
  if (answer === undefined) return;
  const folder = path.resolve(cwd, answer.trim());
  const shown = path.relative(cwd, folder) || folder;

  let exported;
  try {
    exported = exportToPyTorch(model.root, { sourceFile: path.relative(cwd, target.uri.fsPath), exportName: target.exportName, executed: false });
  } catch (error) {
    if (error instanceof ExportError) throw new ActionError(error.message);
    throw error;
  }
  try {
    await writeExportFiles(folder, exported.files, { displayPath: shown });
  } catch (error) {
    if (!(error instanceof ExportError) || error.reason !== 'fileExists') throw error;
    const overwrite = 'Overwrite';
    const choice = await vscode.window.showWarningMessage(`${error.message.replace(/; pass --force.*$/, '')}. Overwrite them?`, { modal: true }, overwrite);
    if (choice !== overwrite) return;
    await writeExportFiles(folder, exported.files, { force: true, displayPath: shown });
  }
  parts.log.info(`exported ${target.exportName} to ${folder}: ${exported.files.map((file) => file.path).join(', ')}`);
  const modelPy = exported.files.find((file) => file.path === 'model.py');
  if (modelPy !== undefined) await vscode.window.showTextDocument(vscode.Uri.file(path.join(folder, modelPy.path)), { preview: false });
}
