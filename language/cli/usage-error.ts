import { SUMMARY_SYNOPSIS } from './usage';
import { UserError } from './user-error';

/** A wrong command line: what is wrong and, on the same line, how to call the command. */
export function toUsageError(problem: string, synopsis: string = SUMMARY_SYNOPSIS): UserError {
  return new UserError(`${problem}. Usage: ${synopsis} (see convlens --help)`);
}

/** parseArgs's messages, shortened to their first sentence; unknown options named plainly. */
export function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(text)?.[1];
    if (option !== undefined) return `unknown option '${option}'`;
  }
  const firstSentence = text.split(/\.\s/)[0] ?? text;
  return firstSentence.charAt(0).toLowerCase() + firstSentence.slice(1);
}
