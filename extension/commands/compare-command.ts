/**
 * "ConvLens: Compare Models": two classifiers side by side, stage by stage. The first model
 * is the command's target (a code lens, or the active editor's models); the second is
 * picked among the models of the open TypeScript files, or from another file. Tests (and
 * other extensions) pass both: `(uriA, exportA, uriB, exportB)`. Static, like Show Summary:
 * the IR comes from static evaluation and the engine compares it; no user code runs.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyze, compareModels, type ModelAnalysis as EngineModelAnalysis } from 'convlens/engine';
import type { ExtensionParts } from '../extension-parts';
import { ActionError, resolveTarget, targetKey, type ModelTarget } from '../model-target';
import type { ComparisonPanels } from '../panels/comparison-panel';

export async function compareModelsCommand(parts: ExtensionParts, comparisons: ComparisonPanels, args: readonly unknown[]): Promise<void> {
  const a = await resolveTarget(parts.analysis, args.slice(0, 2), 'model');
  if (a === undefined) return;
  const [, , thirdArgument, fourthArgument] = args;
  const b = thirdArgument instanceof vscode.Uri && typeof fourthArgument === 'string' ? { uri: thirdArgument, exportName: fourthArgument } : await pickSecond(parts, a);
  if (b === undefined) return;
  const [analysisA, analysisB] = await Promise.all([analyzeTarget(parts, a), analyzeTarget(parts, b)]);
  const comparison = compareModels(analysisA, analysisB);
  comparisons.show(`${targetKey(a)}|${targetKey(b)}`, a.exportName, b.exportName, comparison);
}

async function analyzeTarget(parts: ExtensionParts, target: ModelTarget): Promise<EngineModelAnalysis> {
  const model = await parts.analysis.model(target.uri.fsPath, target.exportName);
  if (model === null) throw new ActionError(`${vscode.workspace.asRelativePath(target.uri)} has no exported model '${target.exportName}' that ConvLens can evaluate`);
  const analysis = analyze(model.root);
  if (analysis.kind !== 'model') throw new ActionError(`${target.exportName} is a GAN; Compare Models compares classifiers`);
  return analysis;
}

/** The second model: one of the open files' classifiers (not the first), or one from a file the user opens. */
async function pickSecond(parts: ExtensionParts, first: ModelTarget): Promise<ModelTarget | undefined> {
  const files = vscode.workspace.textDocuments.filter((document) => document.uri.scheme === 'file' && /\.tsx?$/.test(document.uri.fsPath)).map((document) => document.uri);
  if (!files.some((uri) => uri.toString() === first.uri.toString())) files.unshift(first.uri);
  type Item = vscode.QuickPickItem & { target?: ModelTarget };
  const items: Item[] = [];
  for (const uri of files) {
    const lenses = await parts.analysis.modelLenses(uri.fsPath).catch(() => []);
    for (const lens of lenses) {
      if (lens.kind !== 'model' || (uri.toString() === first.uri.toString() && lens.exportName === first.exportName)) continue;
      items.push({ label: lens.exportName, description: `${path.basename(uri.fsPath)}, line ${lens.start.line}`, target: { uri, exportName: lens.exportName } });
    }
  }
  items.push({ label: 'Another file…', description: 'pick a model file' });
  const picked = await vscode.window.showQuickPick(items, { placeHolder: `Compare ${first.exportName} with…` });
  if (picked === undefined) return undefined;
  if (picked.target !== undefined) return picked.target;
  const [file] = (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { TypeScript: ['ts', 'tsx'] }, title: `Compare ${first.exportName} with a model of…` })) ?? [];
  if (file === undefined) return undefined;
  const lenses = (await parts.analysis.modelLenses(file.fsPath)).filter((lens) => lens.kind === 'model');
  if (lenses.length === 0) throw new ActionError(`${path.basename(file.fsPath)} exports no model (a classifier) that ConvLens can evaluate`);
  if (lenses.length === 1) return { uri: file, exportName: lenses[0]!.exportName };
  const chosen = await vscode.window.showQuickPick(
    lenses.map((lens) => ({ label: lens.exportName, description: `line ${lens.start.line}`, exportName: lens.exportName })),
    { placeHolder: `Which model of ${path.basename(file.fsPath)}?` },
  );
  return chosen === undefined ? undefined : { uri: file, exportName: chosen.exportName };
}
