/**
 * The `convlens` command line. `main` returns the exit status instead of exiting, so that
 * bin/convlens.js can let pending output drain and tests can call it in-process.
 */
import { toProcessIo, type CliIo } from './cli-io';
import { USAGE } from './usage';
import { toUsageError } from './usage-error';
import { UserError, toOneLine } from './user-error';

export async function main(argv: readonly string[], io: CliIo = toProcessIo()): Promise<number> {
  try {
    const [command, ...args] = argv;
    if (command === '--help' || command === '-h' || command === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    if (command === undefined) throw toUsageError('no command given');
    // Each command loads its own modules when it runs: `summary` and `check` never load
    // TensorFlow.js, and `--help` loads nothing.
    if (command === 'summary') return await (await import('./summary-command.js')).runSummary(args, io);
    if (command === 'check') return await (await import('./check-command.js')).runCheck(args, io);
    if (command === 'train') return await (await import('./train-command.js')).runTrain(args, io);
    if (command === 'run') return await (await import('./run-command.js')).runRun(args, io);
    if (command === 'export') return await (await import('./export-command.js')).runExport(args, io);
    if (command.startsWith('-')) throw toUsageError(`unknown option '${command}'`);
    throw toUsageError(`unknown command '${command}'`);
  } catch (error) {
    if (error instanceof UserError) {
      io.stderr(`convlens: ${toOneLine(error.message)}\n`);
      return 2;
    }
    // Not the user's fault: keep the stack, it is what a bug report needs.
    io.stderr(`convlens: internal error, please report it: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  }
}
