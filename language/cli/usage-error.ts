import { SUMMARY_SYNOPSIS } from './usage';
import { UserError } from './user-error';

/** A wrong command line: what is wrong and, on the same line, how to call the command. */
export function toUsageError(problem: string): UserError {
  return new UserError(`${problem}. Usage: ${SUMMARY_SYNOPSIS} (see convlens --help)`);
}
