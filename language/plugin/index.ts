/**
 * The ConvLens tsserver plugin: a thin adapter that decorates the language service with
 * the service's shape hints, hovers, diagnostics and code fixes. It uses the TypeScript
 * that tsserver injects, never an imported copy, and every decorated method falls back
 * to TypeScript's own result on any internal error, logged with a `[convlens]` prefix.
 */
import type * as ts from 'typescript';
import { DEFAULT_SETTINGS, toSettings, type ConvLensSettings } from 'convlens/service';
import { getCodeFixesAtPosition, getSupportedCodeFixes } from './get-code-fixes-at-position';
import { getQuickInfoAtPosition } from './get-quick-info-at-position';
import { getSemanticDiagnostics } from './get-semantic-diagnostics';
import type { PluginContext } from './plugin-context';
import { registerRequests } from './register-requests';
import { provideInlayHints } from './provide-inlay-hints';

type Decorator<K extends keyof ts.LanguageService> = (
  context: PluginContext,
  original: ts.LanguageService[K],
) => ts.LanguageService[K];

function init(modules: { typescript: typeof import('typescript') }): ts.server.PluginModule {
  const tsModule = modules.typescript;
  let settings: ConvLensSettings = DEFAULT_SETTINGS;

  function create(info: ts.server.PluginCreateInfo): ts.LanguageService {
    const logger = info.project.projectService.logger;
    const log = (message: string): void => logger.info(`[convlens] ${message}`);
    settings = toSettings(info.config, settings);
    const languageService = info.languageService;
    // tsserver counts every change to the project: while the count stands, so does the program.
    let program: ts.Program | undefined;
    let programVersion: string | undefined;
    const context: PluginContext = {
      ts: tsModule,
      languageService,
      currentProgram: () => {
        const version = info.project.getProjectVersion();
        if (version !== programVersion || program === undefined) {
          program = languageService.getProgram();
          programVersion = version;
        }
        return program;
      },
      settings: () => settings,
      log,
    };

    const proxy = Object.create(null) as ts.LanguageService;
    for (const key of Object.keys(languageService) as (keyof ts.LanguageService)[]) {
      const method = languageService[key];
      (proxy as unknown as Record<string, unknown>)[key] = typeof method === 'function' ? method.bind(languageService) : method;
    }

    /** Installs a feature; on any internal error the original result stands. */
    const decorate = <K extends keyof ts.LanguageService>(key: K, feature: Decorator<K>): void => {
      const original = languageService[key] as (...args: unknown[]) => unknown;
      if (typeof original !== 'function') return;
      const bound = original.bind(languageService) as ts.LanguageService[K];
      const decorated = feature(context, bound) as unknown as (...args: unknown[]) => unknown;
      (proxy as unknown as Record<string, unknown>)[key] = (...args: unknown[]): unknown => {
        try {
          return decorated(...args);
        } catch (error) {
          log(`${String(key)} failed, falling back to TypeScript's result: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          return (bound as unknown as (...values: unknown[]) => unknown)(...args);
        }
      };
    };

    decorate('provideInlayHints', provideInlayHints);
    decorate('getQuickInfoAtPosition', getQuickInfoAtPosition);
    decorate('getSemanticDiagnostics', getSemanticDiagnostics);
    decorate('getCodeFixesAtPosition', getCodeFixesAtPosition);
    decorate('getSupportedCodeFixes', getSupportedCodeFixes);
    try {
      registerRequests(info, context);
    } catch (error) {
      log(`could not register its tsserver requests: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    log(`loaded for project ${info.project.getProjectName()}`);
    return proxy;
  }

  return {
    create,
    onConfigurationChanged(config: unknown): void {
      settings = toSettings(config, settings);
    },
  };
}

export = init;
