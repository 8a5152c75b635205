/**
 * ConvLens's own tsserver requests: their names, arguments and answers, shared by the
 * tsserver plugin (which registers them), the VS Code extension (which sends them, and
 * answers them in-process when tsserver cannot) and the tests. Each request's answer is in
 * its own file (`answer-*.ts`):
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
 * Positions follow the tsserver protocol: 1-based line and offset. Answers are pure over a
 * program, so the extension's in-process fallback (TypeScript 7, or a failed request) gives
 * exactly the plugin's answers.
 */
import type * as ts from 'typescript';
import type { EvaluationLimits } from '../evaluate/index';
import type { ExportedModel, ModelSummary } from './exported-models';

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
  /** The limits to evaluate with: the plugin passes EDITOR_LIMITS; absent, DEFAULT_LIMITS. */
  readonly limits?: EvaluationLimits;
}

export function isFileArgs(value: unknown): value is FileRequestArgs {
  return typeof value === 'object' && value !== null && typeof (value as { file?: unknown }).file === 'string';
}

export function isInlayHintsArgs(value: unknown): value is InlayHintsRequestArgs {
  const args = value as Partial<InlayHintsRequestArgs>;
  return isFileArgs(value) && Number.isFinite(args.start) && Number.isFinite(args.length);
}

export function isCodeFixesArgs(value: unknown): value is CodeFixesRequestArgs {
  const args = value as Partial<CodeFixesRequestArgs>;
  return isFileArgs(value) && Number.isFinite(args.start) && Number.isFinite(args.end) && Array.isArray(args.errorCodes) && args.errorCodes.every(Number.isFinite);
}

export function isModelArgs(value: unknown): value is ModelRequestArgs {
  return isFileArgs(value) && typeof (value as { exportName?: unknown }).exportName === 'string';
}

export function toProtocolLocation(sourceFile: ts.SourceFile, position: number): ProtocolLocation {
  const { line, character } = sourceFile.getLineAndCharacterOfPosition(position);
  return { line: line + 1, offset: character + 1 };
}
