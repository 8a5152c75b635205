/**
 * The time budget of ConvLens's part of an answer. The analysis of a file runs with
 * EDITOR_LIMITS: its evaluation stops itself once EDITOR_TIME_BUDGET_MS have passed (a
 * cooperative deadline), and that abandoned analysis is cached for the program version like
 * any other, so the hints, hovers and diagnostics that follow answer at once with
 * TypeScript's own result instead of trying again. An answer that was computed but took
 * longer than the budget (the engine, formatting) is still given, and the time logged.
 */
import type * as ts from 'typescript';
import { analyzeFile, EDITOR_LIMITS, EDITOR_TIME_BUDGET_MS, reachesDsl, type FileAnalysis, type RequestTarget } from 'convlens/service';
import type { PluginContext } from './plugin-context';

/** Analyses whose abandonment has been logged: once per program version and file, not per request. */
const reported = new WeakSet<FileAnalysis>();

/**
 * ConvLens's answer for `target`, unless its analysis was abandoned at the deadline: then
 * `theirs` (TypeScript's own answer, or an empty one for ConvLens's own requests), with a
 * `[convlens] … took N ms, over the budget; TypeScript's own answer stands` line in the log.
 */
export function withinBudget<T>(
  context: PluginContext,
  what: string,
  target: { readonly program: ts.Program; readonly sourceFile: ts.SourceFile },
  theirs: T,
  ours: (target: RequestTarget) => T,
): T {
  if (!reachesDsl(context.ts, target.program, target.sourceFile)) return theirs;
  const started = Date.now();
  const analysis = analyzeFile(context.ts, target.program, target.sourceFile, EDITOR_LIMITS);
  if (analysis.abandoned !== undefined) {
    if (!reported.has(analysis)) {
      reported.add(analysis);
      context.log(`${overBudget(what, target.sourceFile, Date.now() - started)} (${analysis.abandoned.reason})`);
    }
    return theirs;
  }
  const answer = ours({ program: target.program, sourceFile: target.sourceFile, limits: EDITOR_LIMITS });
  const elapsed = Date.now() - started;
  // The work is done and cached: throwing the answer away would save nothing, and would
  // leave this version without ConvLens's diagnostics. Slow is logged, not punished.
  if (elapsed > EDITOR_TIME_BUDGET_MS) context.log(`${what} for ${target.sourceFile.fileName} took ${elapsed.toLocaleString('en-US')} ms, over the budget of ${EDITOR_TIME_BUDGET_MS.toLocaleString('en-US')} ms`);
  return answer;
}

function overBudget(what: string, sourceFile: ts.SourceFile, elapsed: number): string {
  return `${what} for ${sourceFile.fileName} took ${elapsed.toLocaleString('en-US')} ms, over the budget of ${EDITOR_TIME_BUDGET_MS.toLocaleString('en-US')} ms; TypeScript's own answer stands`;
}
