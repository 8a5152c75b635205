/** `_convlens.codeFixes`: the quick fixes of ConvLens's diagnostics in a range. */
import { FIXABLE_DIAGNOSTIC_CODES, getCodeFixes } from './code-fixes';
import { reachesDsl } from './reaches-dsl';
import { toProtocolLocation, type CodeFixesRequestArgs, type ConvLensCodeFix, type RequestTarget } from './requests';

export function answerCodeFixes(tsModule: typeof import('typescript'), target: RequestTarget, args: CodeFixesRequestArgs): ConvLensCodeFix[] {
  const { program, sourceFile } = target;
  const codes = args.errorCodes.filter((code) => FIXABLE_DIAGNOSTIC_CODES.includes(code));
  if (codes.length === 0 || !reachesDsl(tsModule, program, sourceFile)) return [];
  return getCodeFixes(tsModule, program, sourceFile, args.start, args.end, codes, target.limits).map((fix) => ({
    fixName: fix.fixName,
    description: fix.description,
    changes: fix.changes.map((change) => {
      const changed = program.getSourceFile(change.fileName) ?? sourceFile;
      return {
        fileName: change.fileName,
        textChanges: change.textChanges.map((edit) => ({
          start: toProtocolLocation(changed, edit.span.start),
          end: toProtocolLocation(changed, edit.span.start + edit.span.length),
          newText: edit.newText,
        })),
      };
    }),
  }));
}
