/** `_convlens.inlayHints`: the shape hints of a range of a file, for the extension's own hint provider. */
import { provideShapeHints } from './inlay-hints';
import { reachesDsl } from './reaches-dsl';
import { toProtocolLocation, type ConvLensInlayHint, type InlayHintsRequestArgs, type RequestTarget } from './requests';
import type { ConvLensSettings } from './settings';

export function answerInlayHints(
  tsModule: typeof import('typescript'),
  target: RequestTarget,
  args: InlayHintsRequestArgs,
  settings: ConvLensSettings,
): ConvLensInlayHint[] {
  const { program, sourceFile } = target;
  if (!reachesDsl(tsModule, program, sourceFile)) return [];
  const span = { start: Math.max(0, args.start), length: Math.max(0, args.length) };
  return provideShapeHints(tsModule, program, sourceFile, span, settings, target.limits).map((hint) => ({
    text: typeof hint.text === 'string' ? hint.text : '',
    position: toProtocolLocation(sourceFile, hint.position),
    whitespaceBefore: hint.whitespaceBefore === true,
  }));
}
