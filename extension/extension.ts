/**
 * The ConvLens VS Code extension (extension/README.md): shape hints, code lenses and commands
 * over the tsserver plugin (or in-process analysis), training in the runtime's child
 * process with its progress in the status bar, and a webview panel per model.
 * extension/README.md describes what it contributes and promises.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RuntimeClient } from 'convlens-runtime/runtime-client';
import { InProcessProjects } from './analysis/in-process-projects';
import { ModelAnalysis, type AnalysisMode } from './analysis/model-analysis';
import { configurePlugin, tsserverTransport, tsserverUnavailableReason } from './analysis/typescript-extension';
import { COMMANDS } from './commands/command-ids';
import { compareModelsCommand } from './commands/compare-command';
import { exportModel } from './commands/export-command';
import { ModelCommands } from './commands/model-commands';
import { newModelFile } from './commands/new-model-file-command';
import { readExtensionSettings, toPluginConfiguration, toServiceSettings, type ExtensionSettings } from './configuration';
import { Engagement } from './engagement';
import type { ExtensionParts } from './extension-parts';
import { registerInProcessLanguageFeatures } from './features/in-process-language-features';
import { ModelLensProvider } from './features/model-lens-provider';
import { QuickFixProvider } from './features/quick-fix-provider';
import { ShapeHintsProvider } from './features/shape-hints-provider';
import { Inspector } from './inspection/inspector';
import { describeError, ExtensionLog } from './log';
import { ActionError } from './model-target';
import { ComparisonPanels } from './panels/comparison-panel';
import { PanelManager } from './panels/panel-manager';
import { TrainingController } from './training/training-controller';

const SELECTOR: vscode.DocumentSelector = [
  { language: 'typescript', scheme: 'file' },
  { language: 'typescriptreact', scheme: 'file' },
];

/** What the extension exports, for tests and other extensions. */
export interface ConvLensApi {
  /** Where static analysis runs now. */
  readonly analysisMode: AnalysisMode;
}

export function activate(context: vscode.ExtensionContext): ConvLensApi {
  const log = new ExtensionLog();
  context.subscriptions.push(log);
  let settings: ExtensionSettings = readSettings();

  // TypeScript is loaded only when something must be answered in-process.
  let projects: InProcessProjects | undefined;
  const inProcess = (): InProcessProjects => {
    if (projects === undefined) {
      const started = Date.now();
      const tsModule = require('typescript') as typeof import('typescript');
      projects = new InProcessProjects(tsModule, { get: (fileName) => openDocument(fileName) }, (message) => log.warn(message));
      log.info(`in-process analysis uses TypeScript ${tsModule.version} (loaded in ${Date.now() - started} ms)`);
    }
    return projects;
  };
  const analysis = new ModelAnalysis({
    transport: tsserverTransport,
    inProcess,
    settings: () => toServiceSettings(settings),
    log: (message) => log.info(message),
    inProcessReason: tsserverUnavailableReason(),
  });
  const engagement = new Engagement((message) => log.info(message));
  const training = new TrainingController(log);
  const inspector = new Inspector(() => RuntimeClient.start({ onOutput: (line) => log.runtimeOutput(line) }));
  const panels = new PanelManager(context.extensionUri, log, analysis, training);
  context.subscriptions.push(engagement, training, { dispose: () => inspector.dispose() }, panels, { dispose: () => projects?.dispose() });

  const parts: ExtensionParts = { context, log, analysis, training, inspector, panels, settings: () => settings };
  const commands = new ModelCommands(parts);
  panels.setRequestHandler((panel, message) => commands.handle(panel, message));

  const serves = (document: vscode.TextDocument): boolean => engagement.serves(document);
  const hints = new ShapeHintsProvider(analysis, serves, () => settings.hints.enabled);
  const lenses = new ModelLensProvider(analysis, serves);
  context.subscriptions.push(
    hints,
    lenses,
    vscode.languages.registerInlayHintsProvider(SELECTOR, hints),
    vscode.languages.registerCodeLensProvider(SELECTOR, lenses),
    vscode.languages.registerCodeActionsProvider(SELECTOR, new QuickFixProvider(analysis, serves), QuickFixProvider.metadata),
  );

  // Hovers and diagnostics come from the plugin through TypeScript; in-process, from here.
  let inProcessFeatures: vscode.Disposable | undefined;
  const followMode = (mode: AnalysisMode): void => {
    if (mode === 'in-process' && inProcessFeatures === undefined && engagement.active) {
      inProcessFeatures = registerInProcessLanguageFeatures(analysis, serves, () => toServiceSettings(settings), log);
    } else if (mode === 'tsserver' && inProcessFeatures !== undefined) {
      inProcessFeatures.dispose();
      inProcessFeatures = undefined;
    }
    hints.refresh();
    lenses.refresh();
  };
  context.subscriptions.push({ dispose: () => inProcessFeatures?.dispose() });
  analysis.onModeChanged(followMode);

  const sendPluginConfiguration = async (): Promise<void> => {
    try {
      if (!(await configurePlugin(toPluginConfiguration(settings)))) log.warn('the TypeScript extension offers no API to configure the tsserver plugin');
    } catch (error) {
      log.error('could not configure the tsserver plugin', error);
    }
  };
  engagement.onDidEngage(() => {
    void sendPluginConfiguration().then(() => {
      hints.refresh();
      lenses.refresh();
    });
    followMode(analysis.mode);
    if (!vscode.workspace.isTrusted) log.info('the workspace is not trusted: static features only (training and inspection ask for trust)');
  });

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('convlens')) {
        settings = readSettings();
        if (engagement.active) void sendPluginConfiguration();
        hints.refresh();
        lenses.refresh();
        void panels.refreshAll();
      }
      if (event.affectsConfiguration('typescript.experimental.useTsgo')) {
        const reason = tsserverUnavailableReason();
        analysis.setMode(reason === undefined ? 'tsserver' : 'in-process', reason ?? 'the TypeScript server is back');
      }
    }),
    // The in-process programs read closed files from disk: they must hear of changes.
    vscode.workspace.onDidCloseTextDocument((document) => projects?.documentClosed(document.uri.fsPath)),
  );
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{ts,tsx,mts,cts,json}');
  const changed = (uri: vscode.Uri): void => projects?.fileChanged(uri.fsPath);
  context.subscriptions.push(watcher, watcher.onDidChange(changed), watcher.onDidCreate(changed), watcher.onDidDelete(changed));

  const register = (id: string, what: string, run: (...args: unknown[]) => Promise<unknown> | unknown): void => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          await run(...args);
        } catch (error) {
          if (error instanceof ActionError) {
            log.warn(`${what}: ${error.message}`);
            const choice = await vscode.window.showErrorMessage(`ConvLens: ${what} failed: ${describeError(error, false)}`, 'Show Log');
            if (choice === 'Show Log') log.show();
          } else {
            await log.reportFailure(what, error);
          }
        }
      }),
    );
  };
  register(COMMANDS.trainModel, 'Train Model', (...args) => commands.train(args, undefined));
  register(COMMANDS.trainGan, 'Train GAN', (...args) => commands.train(args, 'gan'));
  register(COMMANDS.stopTraining, 'Stop Training', () => commands.stop());
  register(COMMANDS.showSummary, 'Show Summary', (...args) => commands.show(args, 'summary', undefined));
  // The diagram heads the Summary tab.
  register(COMMANDS.showArchitecture, 'Show Architecture', (...args) => commands.show(args, 'summary', undefined));
  const comparisons = new ComparisonPanels(context.extensionUri);
  context.subscriptions.push(comparisons);
  register(COMMANDS.compareModels, 'Compare Models', (...args) => compareModelsCommand(parts, comparisons, args));
  register(COMMANDS.showFeatureMaps, 'Show Feature Maps', (...args) => commands.showFeatureMaps(args));
  register(COMMANDS.showSamples, 'Show GAN Samples', (...args) => commands.show(args, 'samples', 'gan'));
  register(COMMANDS.runModelOnImage, 'Run Model on Image', (...args) => commands.runOnImage(args));
  register(COMMANDS.exportModel, 'Export Model', (...args) => exportModel(parts, args));
  register(COMMANDS.newModelFile, 'New Model File', () => newModelFile(parts));
  register(COMMANDS.showLog, 'Show Log', () => log.show());

  log.info(`activated (VS Code ${vscode.version}); static analysis ${analysis.mode === 'tsserver' ? 'through the tsserver plugin' : 'in-process'}`);
  return {
    get analysisMode() {
      return analysis.mode;
    },
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions: VS Code disposes it (training processes included).
}

function readSettings(): ExtensionSettings {
  const configuration = vscode.workspace.getConfiguration('convlens');
  return readExtensionSettings((key) => configuration.get(key));
}

function openDocument(fileName: string): { version: number; text: string } | undefined {
  const wanted = path.resolve(fileName);
  const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.scheme === 'file' && path.resolve(candidate.uri.fsPath) === wanted);
  return document === undefined ? undefined : { version: document.version, text: document.getText() };
}
