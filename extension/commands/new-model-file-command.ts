/**
 * New Model File: writes a model file to start from and, where they are missing, a
 * tsconfig.json and the `convlens` dependency in package.json. It never overwrites a file:
 * an existing model file is refused, an existing tsconfig.json is left as it is, and a
 * package.json only gets the dependency it lacks.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionParts } from '../extension-parts';
import { ActionError } from '../model-target';
import { addConvLensDependency, modelFileText, packageJsonText, toExportName, tsconfigText } from '../scaffold/model-scaffold';

export async function newModelFile(parts: ExtensionParts): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const defaultUri = folder === undefined ? undefined : vscode.Uri.joinPath(folder, uniqueName(folder.fsPath));
  const picked = await vscode.window.showSaveDialog({
    title: 'ConvLens: new model file',
    saveLabel: 'Create',
    filters: { TypeScript: ['ts'] },
    ...(defaultUri === undefined ? {} : { defaultUri }),
  });
  if (picked === undefined) return;
  const file = picked.fsPath.endsWith('.ts') ? picked.fsPath : `${picked.fsPath}.ts`;
  if (existsSync(file)) throw new ActionError(`${path.basename(file)} exists; ConvLens never overwrites a file. Choose another name.`);

  const root = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath ?? path.dirname(file);
  const version = String((parts.context.extension.packageJSON as { version?: unknown }).version ?? '0.1.0');
  await writeFile(file, modelFileText(toExportName(path.basename(file))), { flag: 'wx' });
  parts.log.info(`created ${file}`);

  if (findUp(path.dirname(file), root, 'tsconfig.json') === undefined) {
    const tsconfig = path.join(root, 'tsconfig.json');
    await writeFile(tsconfig, tsconfigText(), { flag: 'wx' });
    parts.log.info(`created ${tsconfig}`);
  }

  let needsInstall = false;
  const manifest = findUp(path.dirname(file), root, 'package.json');
  if (manifest === undefined) {
    const created = path.join(root, 'package.json');
    await writeFile(created, packageJsonText(path.basename(root), version), { flag: 'wx' });
    parts.log.info(`created ${created} with the convlens dependency`);
    needsInstall = true;
  } else {
    const updated = addConvLensDependency(await readFile(manifest, 'utf8'), version);
    if (updated !== undefined) {
      await writeFile(manifest, updated);
      parts.log.info(`added convlens ^${version} to the dependencies of ${manifest}`);
      needsInstall = true;
    }
  }

  await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  const installed = existsSync(path.join(root, 'node_modules', 'convlens', 'package.json'));
  if (needsInstall || !installed) {
    const install = 'Run npm install';
    const choice = await vscode.window.showInformationMessage('ConvLens: the model file imports convlens, which this folder has not installed yet.', install);
    if (choice === install) {
      const terminal = vscode.window.createTerminal({ name: 'ConvLens: npm install', cwd: root });
      terminal.show();
      terminal.sendText('npm install');
    }
  }
}

/** `model.ts`, else `model-2.ts`, … : a name that does not exist in `folder`. */
function uniqueName(folder: string): string {
  for (let index = 1; ; index += 1) {
    const name = index === 1 ? 'model.ts' : `model-${index}.ts`;
    if (!existsSync(path.join(folder, name))) return name;
  }
}

/** The nearest `name` from `start` up to `stop` (inclusive), or undefined. */
function findUp(start: string, stop: string, name: string): string | undefined {
  for (let folder = start; ; folder = path.dirname(folder)) {
    const candidate = path.join(folder, name);
    if (existsSync(candidate)) return candidate;
    if (folder === stop || path.dirname(folder) === folder || !folder.startsWith(stop)) return undefined;
  }
}
