/**
 * Untrusted workspaces get the static features only (nothing runs there anyway). Actions
 * that start the runtime ask for trust: a run loads TensorFlow.js in a child process and
 * may load `@tensorflow/tfjs-node` (native code) from the workspace's node_modules.
 */
import * as vscode from 'vscode';

/** True when the workspace is trusted; else asks the user to manage trust and returns false. */
export async function ensureTrusted(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  const choice = await vscode.window.showWarningMessage(
    `ConvLens: ${action} needs a trusted workspace. It runs TensorFlow.js in a child process and may load @tensorflow/tfjs-node from this workspace's node_modules.`,
    { modal: true },
    manage,
  );
  // NOTE: 'workbench.trust.manage' opens the Workspace Trust editor (Workspaces: Manage Workspace Trust).
  if (choice === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}
