/**
 * Where the extension's static answers come from: the tsserver plugin, through ConvLens's
 * own tsserver requests (language/service/requests.ts), or, when tsserver cannot answer, the same
 * functions in-process (in-process-projects.ts). No vscode here: the tsserver transport is
 * handed in.
 *
 * The mode starts as `tsserver` unless TypeScript 7 (the native server, which loads no
 * plugins) is in use. A failed request is answered in-process at once; after a few
 * failures in a row the mode turns to `in-process`, and the extension then also provides
 * the hovers, diagnostics and fixes that the plugin would have given TypeScript.
 */
import {
  answerCodeFixes,
  answerInlayHints,
  answerModel,
  answerModelLenses,
  answerSummary,
  CONVLENS_REQUESTS,
  type ConvLensCodeFix,
  type ConvLensInlayHint,
  type ConvLensRequest,
  type ConvLensSettings,
  type ExportedModel,
  type ModelBody,
  type ModelLensBody,
  type ModelSummary,
  type RequestTarget,
  type SummaryBody,
} from 'convlens/service';
import type { InProcessProjects } from './in-process-projects';

export type AnalysisMode = 'tsserver' | 'in-process';

/** Sends one ConvLens request to tsserver; resolves with the response body, rejects when it fails. */
export type TsServerTransport = (command: ConvLensRequest, args: object) => Promise<unknown>;

/** Consecutive tsserver failures after which the mode turns to in-process. */
export const FAILURES_BEFORE_IN_PROCESS = 3;

export interface ModelAnalysisOptions {
  readonly transport: TsServerTransport | undefined;
  /** Created on first use: loading TypeScript costs about half a second. */
  readonly inProcess: () => InProcessProjects;
  readonly settings: () => ConvLensSettings;
  readonly log: (message: string) => void;
  /** Why tsserver is not used from the start (TypeScript 7, no TypeScript extension); undefined to use it. */
  readonly inProcessReason?: string | undefined;
}

export class ModelAnalysis {
  private currentMode: AnalysisMode;
  private failures = 0;
  private readonly modeListeners = new Set<(mode: AnalysisMode) => void>();

  constructor(private readonly options: ModelAnalysisOptions) {
    this.currentMode = options.transport === undefined || options.inProcessReason !== undefined ? 'in-process' : 'tsserver';
    if (this.currentMode === 'in-process') options.log(`static analysis runs in the extension: ${options.inProcessReason ?? 'no TypeScript server to ask'}`);
  }

  get mode(): AnalysisMode {
    return this.currentMode;
  }

  onModeChanged(listener: (mode: AnalysisMode) => void): () => void {
    this.modeListeners.add(listener);
    return () => this.modeListeners.delete(listener);
  }

  /** Switches mode (TypeScript 7 turned on or off); `tsserver` is tried again from a clean slate. */
  setMode(mode: AnalysisMode, reason: string): void {
    this.failures = 0;
    if (mode === 'tsserver' && this.options.transport === undefined) return;
    if (mode === this.currentMode) return;
    this.currentMode = mode;
    this.options.log(`static analysis now runs ${mode === 'tsserver' ? 'in the tsserver plugin' : 'in the extension'}: ${reason}`);
    for (const listener of [...this.modeListeners]) listener(mode);
  }

  inlayHints(file: string, start: number, length: number): Promise<ConvLensInlayHint[]> {
    const settings = this.options.settings();
    const args = { file, start, length, settings };
    return this.ask(CONVLENS_REQUESTS.inlayHints, args, isArray<ConvLensInlayHint>, (tsModule, target) => answerInlayHints(tsModule, target, args, settings), []);
  }

  modelLenses(file: string): Promise<ModelLensBody[]> {
    return this.ask(CONVLENS_REQUESTS.modelLenses, { file }, isArray<ModelLensBody>, (tsModule, target) => answerModelLenses(tsModule, target), []);
  }

  async summary(file: string, exportName: string): Promise<ModelSummary | null> {
    const settings = this.options.settings();
    const args = { file, exportName, settings };
    const body = await this.ask<SummaryBody>(CONVLENS_REQUESTS.summary, args, (value): value is SummaryBody => isObject(value) && 'summary' in value, (tsModule, target) => answerSummary(tsModule, target, args, settings), { summary: null });
    return body.summary;
  }

  async model(file: string, exportName: string): Promise<ExportedModel | null> {
    const args = { file, exportName };
    const body = await this.ask<ModelBody>(CONVLENS_REQUESTS.model, args, (value): value is ModelBody => isObject(value) && 'model' in value, (tsModule, target) => answerModel(tsModule, target, args), { model: null });
    return body.model;
  }

  /** Quick fixes for ConvLens's diagnostics (VS Code's TypeScript extension never asks tsserver for them). */
  codeFixes(file: string, start: number, end: number, errorCodes: readonly number[]): Promise<ConvLensCodeFix[]> {
    const args = { file, start, end, errorCodes };
    return this.ask(CONVLENS_REQUESTS.codeFixes, args, isArray<ConvLensCodeFix>, (tsModule, target) => answerCodeFixes(tsModule, target, args), []);
  }

  /** The in-process program of `file` (for the fallback hovers and diagnostics). */
  inProcessTarget(file: string): { readonly tsModule: typeof import('typescript'); readonly target: RequestTarget } | undefined {
    const projects = this.options.inProcess();
    const target = projects.targetFor(file);
    return target === undefined ? undefined : { tsModule: projects.typescript, target };
  }

  private async ask<Body>(
    command: ConvLensRequest,
    args: { readonly file: string },
    isBody: (value: unknown) => value is Body,
    answer: (tsModule: typeof import('typescript'), target: RequestTarget) => Body,
    empty: Body,
  ): Promise<Body> {
    const transport = this.options.transport;
    if (this.currentMode === 'tsserver' && transport !== undefined) {
      try {
        const body = await transport(command, args);
        if (!isBody(body)) throw new Error(`unexpected answer ${JSON.stringify(body)?.slice(0, 200) ?? 'undefined'}`);
        this.failures = 0;
        return body;
      } catch (error) {
        this.failures += 1;
        this.options.log(`${command} through tsserver failed (${this.failures} in a row), answering in-process: ${describe(error)}`);
        if (this.failures >= FAILURES_BEFORE_IN_PROCESS) this.setMode('in-process', `${FAILURES_BEFORE_IN_PROCESS} tsserver requests in a row failed`);
      }
    }
    const found = this.inProcessTarget(args.file);
    return found === undefined ? empty : answer(found.tsModule, found.target);
  }
}

function isArray<T>(value: unknown): value is T[] {
  return Array.isArray(value);
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
