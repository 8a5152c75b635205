/**
 * A problem with what the user asked for or gave us (a missing file, a syntax error, an
 * unknown flag). The command line prints its message after `convlens: ` on one line and
 * exits with 2; anything else that is thrown is a bug in ConvLens and keeps its stack.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}

/** Collapses a message onto one line, so that every error the CLI prints is one line. */
export function toOneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
