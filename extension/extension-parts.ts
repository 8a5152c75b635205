/** The long-lived parts of the running extension, created in extension.ts and shared by the commands and panels. */
import type * as vscode from 'vscode';
import type { ModelAnalysis } from './analysis/model-analysis';
import type { ExtensionSettings } from './configuration';
import type { Inspector } from './inspection/inspector';
import type { ExtensionLog } from './log';
import type { PanelManager } from './panels/panel-manager';
import type { TrainingController } from './training/training-controller';

export interface ExtensionParts {
  readonly context: vscode.ExtensionContext;
  readonly log: ExtensionLog;
  readonly analysis: ModelAnalysis;
  readonly training: TrainingController;
  readonly inspector: Inspector;
  readonly panels: PanelManager;
  settings(): ExtensionSettings;
}
