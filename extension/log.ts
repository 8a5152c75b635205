/**
 * The extension's log: a LogOutputChannel named "ConvLens" with `[convlens]`-prefixed
 * lines, and the one way the extension notifies about a failure — only when an action
 * the user took failed, with a "Show Log" button.
 */
import * as vscode from 'vscode';

export class ExtensionLog implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor() {
    this.channel = vscode.window.createOutputChannel('ConvLens', { log: true });
  }

  info(message: string): void {
    this.channel.info(`[convlens] ${message}`);
  }

  warn(message: string): void {
    this.channel.warn(`[convlens] ${message}`);
  }

  error(message: string, error?: unknown): void {
    this.channel.error(`[convlens] ${message}${error === undefined ? '' : `: ${describeError(error, true)}`}`);
  }

  /**
   * A line of a runtime process's output (RuntimeClient's onOutput), as information: the
   * runtime writes its own log lines to stderr, and a crash is reported as the run's failure.
   */
  runtimeOutput(line: string): void {
    if (line.trim() !== '') this.channel.info(`[runtime] ${line}`);
  }

  show(): void {
    this.channel.show(true);
  }

  /**
   * An action of the user failed: log it and say so, with "Show Log". `what` names the
   * action ("Training lenet5Mnist"); the message is the error's first line.
   */
  async reportFailure(what: string, error: unknown): Promise<void> {
    this.error(`${what} failed`, error);
    const choice = await vscode.window.showErrorMessage(`ConvLens: ${what} failed: ${describeError(error, false)}`, 'Show Log');
    if (choice === 'Show Log') this.show();
  }

  dispose(): void {
    this.channel.dispose();
  }
}

export function describeError(error: unknown, withStack: boolean): string {
  if (error instanceof Error) return withStack && error.stack !== undefined ? error.stack : error.message.split('\n')[0] ?? error.message;
  return String(error);
}
