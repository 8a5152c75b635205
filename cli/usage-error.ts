import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SUMMARY_SYNOPSIS } from './usage';
import { UserError } from './user-error';

/** A wrong command line: what is wrong and, on the same line, how to call the command. */
export function toUsageError(problem: string, synopsis: string = SUMMARY_SYNOPSIS): UserError {
  return new UserError(`${problem}. Usage: ${synopsis} (see convlens --help)`);
}

/** parseArgs's messages, shortened to their first sentence; unknown options named plainly. */
function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(text)?.[1];
    if (option !== undefined) return `unknown option '${option}'`;
  }
  const firstSentence = text.split(/\.\s/)[0] ?? text;
  return firstSentence.charAt(0).toLowerCase() + firstSentence.slice(1);
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs reads `--epochs -1` as an option followed by the short option `-1` and refuses
 * it as "ambiguous"; a negative number after an option that takes a value is that option's
 * value (`--epochs=-1`), so that the command can say which values it takes.
 */
function joinNegativeNumbers(args: readonly string[], options: Options): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const argument = args[index]!;
    const next = args[index + 1];
    const option = argument.startsWith('--') ? options[argument.slice(2)] : undefined;
    if (option?.type === 'string' && next !== undefined && /^-\.?\d/.test(next)) {
      joined.push(`${argument}=${next}`);
      index += 1;
    } else {
      joined.push(argument);
    }
  }
  return joined;
}
interface StrictConfig<T extends Options> {
  args: string[];
  options: T;
  allowPositionals: true;
  strict: true;
}

/**
 * A command's arguments parsed strictly against its options (positionals allowed); a wrong
 * command line becomes a usage error that names the problem and the command's synopsis.
 */
export function parseCommandLine<T extends Options>(args: readonly string[], options: T, synopsis: string): ReturnType<typeof parseArgs<StrictConfig<T>>> {
  try {
    return parseArgs<StrictConfig<T>>({ args: joinNegativeNumbers(args, options), options, allowPositionals: true, strict: true });
  } catch (error) {
    throw toUsageError(describeParseError(error), synopsis);
  }
}

/**
 * The one model file a command takes, from its positional arguments; none or several is a
 * usage error (`train needs the model file`, `train takes one file, got 2`).
 */
export function theModelFile(positionals: readonly string[], command: string, synopsis: string, needs = 'the model file'): string {
  const [file, ...extra] = positionals;
  if (file === undefined) throw toUsageError(`${command} needs ${needs}`, synopsis);
  if (extra.length > 0) throw toUsageError(`${command} takes one file, got ${positionals.length}`, synopsis);
  return file;
}
