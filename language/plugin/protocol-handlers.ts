/**
 * ConvLens's own tsserver requests, for the VS Code extension (extension/analysis):
 *
 * - `_convlens.inlayHints` `{ file, start, length }` → shape hints (ConvLensInlayHint[])
 * - `_convlens.modelLenses` `{ file }` → where the code lenses go (ModelLensBody[])
 * - `_convlens.summary` `{ file, exportName }` → `{ summary }`, one export's (SummaryBody)
 * - `_convlens.model` `{ file, exportName }` → `{ model }`, its IR for training (ModelBody)
 * - `_convlens.codeFixes` `{ file, start, end, errorCodes }` → quick fixes (ConvLensCodeFix[])
 *
 * NOTE: VS Code's `typescript.tsserverRequest` command forwards only an allow-list of
 * tsserver commands plus any command whose name starts with `_` (typescript-language-features,
 * src/commands/tsserverRequests.ts), hence the names. VS Code asks tsserver for inlay hints
 * only when one of its `typescript.inlayHints.*` settings is on; with `_convlens.inlayHints`
 * the extension shows them in a default setup. Likewise VS Code asks tsserver for fixes
 * only for the error codes of `getSupportedCodeFixes` without a file, which are
 * TypeScript's own (typescript-language-features, quickFix.ts; tsserver's session answers
 * that request without asking the plugin), so ConvLens's fixes go through
 * `_convlens.codeFixes`.
 *
 * Positions follow the tsserver protocol: 1-based line and offset. The `answer*` functions
 * are pure over a program, so the extension's in-process fallback (TypeScript 7, or a
 * failed request) gives exactly the same answers.
 */
import type * as ts from 'typescript';
import {
  FIXABLE_DIAGNOSTIC_CODES,
  findExportedModel,
  getCodeFixes,
  listModelLenses,
  provideShapeHints,
  reachesDsl,
  summarizeExportedModels,
  toSettings,
  type ConvLensSettings,
  type ExportedModel,
  type ModelSummary,
} from '../service/index';
import type { PluginContext } from './plugin-context';

export const CONVLENS_REQUESTS = {
  inlayHints: '_convlens.inlayHints',
  modelLenses: '_convlens.modelLenses',
  summary: '_convlens.summary',
  model: '_convlens.model',
  codeFixes: '_convlens.codeFixes',
} as const;

export type ConvLensRequest = (typeof CONVLENS_REQUESTS)[keyof typeof CONVLENS_REQUESTS];

/** 1-based, as the tsserver protocol counts. */
export interface ProtocolLocation {
  readonly line: number;
  readonly offset: number;
}

export interface FileRequestArgs {
  readonly file: string;
  /**
   * Settings for this request (as `configurePlugin` takes them), over the plugin's own: the
   * extension sends them so an answer never depends on whether its configuration has
   * reached tsserver yet.
   */
  readonly settings?: unknown;
}

export interface InlayHintsRequestArgs extends FileRequestArgs {
  /** The range asked for, as character offsets (tsserver's own `inlayHints` request does the same). */
  readonly start: number;
  readonly length: number;
}

export interface ModelRequestArgs extends FileRequestArgs {
  readonly exportName: string;
}

export interface CodeFixesRequestArgs extends FileRequestArgs {
  /** The range of the diagnostic to fix, as character offsets. */
  readonly start: number;
  readonly end: number;
  /** Diagnostic codes (ConvLens's are 90000 + n); others are ignored. */
  readonly errorCodes: readonly number[];
}

export interface ConvLensCodeFix {
  readonly fixName: string;
  readonly description: string;
  readonly changes: readonly {
    readonly fileName: string;
    readonly textChanges: readonly { readonly start: ProtocolLocation; readonly end: ProtocolLocation; readonly newText: string }[];
  }[];
}

export interface ConvLensInlayHint {
  /** `→ 6@28×28`. */
  readonly text: string;
  readonly position: ProtocolLocation;
  readonly whitespaceBefore: boolean;
}

export interface ModelLensBody {
  readonly exportName: string;
  readonly kind: 'model' | 'gan';
  readonly modelName: string;
  /** The exported declaration's name. */
  readonly start: ProtocolLocation;
  readonly end: ProtocolLocation;
}

export type { ExportedModel, ModelSummary };

/** Wrapped, because tsserver answers a null response with "No content available." */
export interface SummaryBody {
  readonly summary: ModelSummary | null;
}

export interface ModelBody {
  readonly model: ExportedModel | null;
}

/** The program a request is answered over, and the file in it. */
export interface RequestTarget {
  readonly program: ts.Program;
  readonly sourceFile: ts.SourceFile;
}

export function answerInlayHints(
  tsModule: typeof import('typescript'),
  target: RequestTarget,
  args: InlayHintsRequestArgs,
  settings: ConvLensSettings,
): ConvLensInlayHint[] {
  const { program, sourceFile } = target;
  if (!reachesDsl(tsModule, program, sourceFile)) return [];
  const span = { start: Math.max(0, args.start), length: Math.max(0, args.length) };
  return provideShapeHints(tsModule, program, sourceFile, span, settings).map((hint) => ({
    text: typeof hint.text === 'string' ? hint.text : '',
    position: toLocation(sourceFile, hint.position),
    whitespaceBefore: hint.whitespaceBefore === true,
  }));
}

export function answerModelLenses(tsModule: typeof import('typescript'), target: RequestTarget): ModelLensBody[] {
  const { program, sourceFile } = target;
  if (!reachesDsl(tsModule, program, sourceFile)) return [];
  return listModelLenses(tsModule, program, sourceFile).map((lens) => ({
    exportName: lens.exportName,
    kind: lens.kind,
    modelName: lens.modelName,
    start: toLocation(sourceFile, lens.span.start),
    end: toLocation(sourceFile, lens.span.start + lens.span.length),
  }));
}

export function answerSummary(tsModule: typeof import('typescript'), target: RequestTarget, args: ModelRequestArgs, settings: ConvLensSettings): SummaryBody {
  const { program, sourceFile } = target;
  if (!reachesDsl(tsModule, program, sourceFile)) return { summary: null };
  return { summary: summarizeExportedModels(tsModule, program, sourceFile, settings).find((summary) => summary.exportName === args.exportName) ?? null };
}

export function answerModel(tsModule: typeof import('typescript'), target: RequestTarget, args: ModelRequestArgs): ModelBody {
  const { program, sourceFile } = target;
  if (!reachesDsl(tsModule, program, sourceFile)) return { model: null };
  return { model: findExportedModel(tsModule, program, sourceFile, args.exportName) ?? null };
}

export function answerCodeFixes(tsModule: typeof import('typescript'), target: RequestTarget, args: CodeFixesRequestArgs): ConvLensCodeFix[] {
  const { program, sourceFile } = target;
  const codes = args.errorCodes.filter((code) => FIXABLE_DIAGNOSTIC_CODES.includes(code));
  if (codes.length === 0 || !reachesDsl(tsModule, program, sourceFile)) return [];
  return getCodeFixes(tsModule, program, sourceFile, args.start, args.end, codes).map((fix) => ({
    fixName: fix.fixName,
    description: fix.description,
    changes: fix.changes.map((change) => {
      const changed = program.getSourceFile(change.fileName) ?? sourceFile;
      return {
        fileName: change.fileName,
        textChanges: change.textChanges.map((edit) => ({
          start: toLocation(changed, edit.span.start),
          end: toLocation(changed, edit.span.start + edit.span.length),
          newText: edit.newText,
        })),
      };
    }),
  }));
}

function toLocation(sourceFile: ts.SourceFile, position: number): ProtocolLocation {
  const { line, character } = sourceFile.getLineAndCharacterOfPosition(position);
  return { line: line + 1, offset: character + 1 };
}

// ── tsserver registration ───────────────────────────────────────────────────────────

/** Sessions that already have the handlers: tsserver creates the plugin once per project. */
const registered = new WeakSet<object>();

/**
 * Registers the requests on tsserver's session, once per session. Each answers over the
 * project tsserver picks for the file; an internal error is logged with `[convlens]` and
 * reported as a failed request (the extension then answers in-process), never thrown at
 * TypeScript's own features.
 */
export function registerProtocolHandlers(info: ts.server.PluginCreateInfo, context: PluginContext): void {
  const session = info.session;
  if (session === undefined || registered.has(session)) return;
  registered.add(session);
  const tsModule = context.ts;
  const projectService = info.project.projectService;

  const targetOf = (args: FileRequestArgs): RequestTarget | undefined => {
    const project = projectService.getDefaultProjectForFile(tsModule.server.toNormalizedPath(args.file), false);
    const program = project?.getLanguageService().getProgram();
    const sourceFile = program?.getSourceFile(args.file);
    if (program === undefined || sourceFile === undefined || sourceFile.isDeclarationFile) return undefined;
    return { program, sourceFile };
  };

  const settingsOf = (args: FileRequestArgs): ConvLensSettings => (args.settings === undefined ? context.settings() : toSettings(args.settings, context.settings()));

  const handle = <Args extends FileRequestArgs>(
    command: ConvLensRequest,
    isArgs: (value: unknown) => value is Args,
    answer: (target: RequestTarget, args: Args) => object,
    empty: object,
  ): void => {
    session.addProtocolHandler(command, (request) => {
      const args: unknown = request.arguments;
      if (!isArgs(args)) throw new Error(`[convlens] ${command}: malformed arguments ${JSON.stringify(args)?.slice(0, 200)}`);
      try {
        const target = targetOf(args);
        return { response: target === undefined ? empty : answer(target, args), responseRequired: true };
      } catch (error) {
        context.log(`${command} failed for ${args.file}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        throw new Error(`[convlens] ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  };

  handle(CONVLENS_REQUESTS.inlayHints, isInlayHintsArgs, (target, args) => answerInlayHints(tsModule, target, args, settingsOf(args)), []);
  handle(CONVLENS_REQUESTS.modelLenses, isFileArgs, (target) => answerModelLenses(tsModule, target), []);
  handle(CONVLENS_REQUESTS.summary, isModelArgs, (target, args) => answerSummary(tsModule, target, args, settingsOf(args)), { summary: null });
  handle(CONVLENS_REQUESTS.model, isModelArgs, (target, args) => answerModel(tsModule, target, args), { model: null });
  handle(CONVLENS_REQUESTS.codeFixes, isCodeFixesArgs, (target, args) => answerCodeFixes(tsModule, target, args), []);
  context.log(`answers ${Object.values(CONVLENS_REQUESTS).join(', ')}`);
}

function isFileArgs(value: unknown): value is FileRequestArgs {
  return typeof value === 'object' && value !== null && typeof (value as { file?: unknown }).file === 'string';
}

function isInlayHintsArgs(value: unknown): value is InlayHintsRequestArgs {
  const args = value as Partial<InlayHintsRequestArgs>;
  return isFileArgs(value) && Number.isFinite(args.start) && Number.isFinite(args.length);
}

function isCodeFixesArgs(value: unknown): value is CodeFixesRequestArgs {
  const args = value as Partial<CodeFixesRequestArgs>;
  return isFileArgs(value) && Number.isFinite(args.start) && Number.isFinite(args.end) && Array.isArray(args.errorCodes) && args.errorCodes.every(Number.isFinite);
}

function isModelArgs(value: unknown): value is ModelRequestArgs {
  return isFileArgs(value) && typeof (value as { exportName?: unknown }).exportName === 'string';
}
