/**
 * Registers ConvLens's own tsserver requests (their contract and answers are in
 * language/service: requests.ts and answer-*.ts) on tsserver's session, once per session.
 * Each answers over the project tsserver picks for the file; an internal error is logged
 * with `[convlens]` and reported as a failed request (the extension then answers
 * in-process), never thrown at TypeScript's own features.
 */
import type * as ts from 'typescript';
import {
  answerCodeFixes,
  answerInlayHints,
  answerModel,
  answerModelLenses,
  answerSummary,
  CONVLENS_REQUESTS,
  isCodeFixesArgs,
  isFileArgs,
  isInlayHintsArgs,
  isModelArgs,
  toSettings,
  type ConvLensRequest,
  type ConvLensSettings,
  type FileRequestArgs,
  type RequestTarget,
} from 'convlens/service';
import { withinBudget } from './budget';
import type { PluginContext } from './plugin-context';

/** Sessions that already have the handlers: tsserver creates the plugin once per project. */
const registered = new WeakSet<object>();

export function registerRequests(info: ts.server.PluginCreateInfo, context: PluginContext): void {
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
        // Over the time budget the answer is empty, as for a file without models.
        const response = target === undefined ? empty : withinBudget(context, command, target, empty, (budgeted) => answer(budgeted, args));
        return { response, responseRequired: true };
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
