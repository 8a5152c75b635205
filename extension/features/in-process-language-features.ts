/**
 * What the tsserver plugin gives TypeScript's own features — hovers and diagnostics —
 * provided by the extension itself while static analysis runs in-process (TypeScript 7, or
 * a tsserver that cannot answer). Registered only in that mode, so the editor never shows
 * them twice. (Quick fixes come from the extension in both modes: quick-fix-provider.ts.)
 */
import * as vscode from 'vscode';
import { analyzeFile, collectDiagnostics, DIAGNOSTIC_SOURCE, getHover, type ConvLensSettings } from 'convlens/service';
import type { ModelAnalysis } from '../analysis/model-analysis';
import type { ExtensionLog } from '../log';

const SELECTOR: vscode.DocumentSelector = [
  { language: 'typescript', scheme: 'file' },
  { language: 'typescriptreact', scheme: 'file' },
];

/** Diagnostics wait this long after the last keystroke. */
const DIAGNOSTICS_DELAY_MS = 400;

export function registerInProcessLanguageFeatures(
  analysis: ModelAnalysis,
  isEngaged: (document: vscode.TextDocument) => boolean,
  settings: () => ConvLensSettings,
  log: ExtensionLog,
): vscode.Disposable {
  const diagnostics = vscode.languages.createDiagnosticCollection('convlens');
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  const targetOf = (document: vscode.TextDocument) => (isEngaged(document) && document.uri.scheme === 'file' ? analysis.inProcessTarget(document.uri.fsPath) : undefined);

  /** Abandoned analyses already logged: once per file version, as the plugin does. */
  const reportedAbandoned = new WeakSet<object>();

  const refresh = (document: vscode.TextDocument): void => {
    if (document.languageId !== 'typescript' && document.languageId !== 'typescriptreact') return;
    const key = document.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        try {
          const found = targetOf(document);
          if (found === undefined) {
            diagnostics.delete(document.uri);
            return;
          }
          const { tsModule, target } = found;
          diagnostics.set(document.uri, collectDiagnostics(tsModule, target.program, target.sourceFile, target.limits).map((diagnostic) => toDiagnostic(document, tsModule, diagnostic)));
          // The analysis is cached: this reads the one the diagnostics came from.
          const analysis = analyzeFile(tsModule, target.program, target.sourceFile, target.limits);
          if (analysis.abandoned !== undefined && !reportedAbandoned.has(analysis)) {
            reportedAbandoned.add(analysis);
            log.warn(`${document.uri.fsPath}: analysis abandoned, over the time budget (${analysis.abandoned.reason}); ConvLens shows nothing for this version`);
          }
        } catch (error) {
          log.error(`diagnostics of ${document.uri.fsPath}`, error);
        }
      }, DIAGNOSTICS_DELAY_MS),
    );
  };

  const hover = vscode.languages.registerHoverProvider(SELECTOR, {
    provideHover(document, position) {
      try {
        const found = targetOf(document);
        if (found === undefined) return undefined;
        const { tsModule, target } = found;
        const result = getHover(tsModule, target.program, target.sourceFile, document.offsetAt(position), settings(), target.limits);
        if (result === undefined) return undefined;
        const range = new vscode.Range(document.positionAt(result.textSpan.start), document.positionAt(result.textSpan.start + result.textSpan.length));
        return new vscode.Hover(new vscode.MarkdownString(result.markdown), range);
      } catch (error) {
        log.error(`hover in ${document.uri.fsPath}`, error);
        return undefined;
      }
    },
  });

  const listeners = [
    vscode.workspace.onDidOpenTextDocument(refresh),
    vscode.workspace.onDidChangeTextDocument((event) => refresh(event.document)),
    vscode.workspace.onDidCloseTextDocument((document) => diagnostics.delete(document.uri)),
  ];
  for (const document of vscode.workspace.textDocuments) refresh(document);

  return vscode.Disposable.from(hover, diagnostics, ...listeners, {
    dispose: () => {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  });
}

function toDiagnostic(document: vscode.TextDocument, tsModule: typeof import('typescript'), diagnostic: import('typescript').Diagnostic): vscode.Diagnostic {
  const start = diagnostic.start ?? 0;
  const range = new vscode.Range(document.positionAt(start), document.positionAt(start + (diagnostic.length ?? 0)));
  const message = tsModule.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  const severity =
    diagnostic.category === tsModule.DiagnosticCategory.Error
      ? vscode.DiagnosticSeverity.Error
      : diagnostic.category === tsModule.DiagnosticCategory.Warning
        ? vscode.DiagnosticSeverity.Warning
        : vscode.DiagnosticSeverity.Information;
  const result = new vscode.Diagnostic(range, message, severity);
  result.source = DIAGNOSTIC_SOURCE;
  result.code = diagnostic.code;
  return result;
}
