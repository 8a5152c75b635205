/**
 * VS Code's built-in TypeScript extension (`vscode.typescript-language-features`): its API
 * configures the tsserver plugin (`configurePlugin`), and its `typescript.tsserverRequest`
 * command carries ConvLens's own requests to the plugin.
 */
import * as vscode from 'vscode';
import type { ConvLensRequest } from 'convlens/service';
import type { TsServerTransport } from './model-analysis';

export const PLUGIN_NAME = 'convlens-tsserver-plugin';
const TYPESCRIPT_EXTENSION = 'vscode.typescript-language-features';

interface TypeScriptApi {
  configurePlugin(pluginId: string, configuration: unknown): void;
}

interface TypeScriptExtensionExports {
  getAPI?(version: 0): TypeScriptApi | undefined;
}

/**
 * Why tsserver cannot serve ConvLens, or undefined when it can. NOTE: with TypeScript 7
 * (the native preview, turned on by `typescript.experimental.useTsgo`) VS Code's
 * TypeScript extension stands down and no tsserver plugin loads (TypeScript 7's native server has no plugin API).
 */
export function tsserverUnavailableReason(): string | undefined {
  if (vscode.workspace.getConfiguration('typescript').get<boolean>('experimental.useTsgo') === true) {
    return 'TypeScript 7 (typescript.experimental.useTsgo) runs no tsserver plugins';
  }
  const extension = vscode.extensions.getExtension<TypeScriptExtensionExports>(TYPESCRIPT_EXTENSION);
  if (extension === undefined) return `the built-in TypeScript extension (${TYPESCRIPT_EXTENSION}) is disabled`;
  return undefined;
}

/** Sends the plugin its configuration; false when the TypeScript extension's API is not there. */
export async function configurePlugin(configuration: Record<string, unknown>): Promise<boolean> {
  const extension = vscode.extensions.getExtension<TypeScriptExtensionExports>(TYPESCRIPT_EXTENSION);
  if (extension === undefined) return false;
  const exports = extension.isActive ? extension.exports : await extension.activate();
  const api = exports?.getAPI?.(0);
  if (api === undefined) return false;
  api.configurePlugin(PLUGIN_NAME, configuration);
  return true;
}

interface ServerResponse {
  readonly type?: string;
  readonly success?: boolean;
  readonly body?: unknown;
  readonly message?: string;
}

/**
 * ConvLens's requests through `typescript.tsserverRequest`. NOTE: the command forwards a
 * command whose name starts with `_` and resolves with tsserver's whole response (or
 * undefined where it refuses the command: an older VS Code); a failed request rejects.
 * `file` is the file system path, as VS Code's TypeScript client names files to tsserver.
 */
export const tsserverTransport: TsServerTransport = async (command: ConvLensRequest, args: object) => {
  const response = await vscode.commands.executeCommand<ServerResponse | undefined>('typescript.tsserverRequest', command, args);
  if (response === undefined || response === null) throw new Error('typescript.tsserverRequest gave no answer (the TypeScript extension refused the request or is not running)');
  if (response.type === 'response' && response.success === true) return response.body;
  throw new Error(`tsserver answered ${response.type ?? 'something unexpected'}${response.message === undefined ? '' : `: ${response.message}`}`);
};
