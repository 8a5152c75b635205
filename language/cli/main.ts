/**
 * The `convlens` command line. `main` returns the exit status instead of exiting, so that
 * bin/convlens.js can let pending output drain and tests can call it in-process.
 */
import { runCheck } from './check-command';
import { toProcessIo, type CliIo } from './cli-io';
import { runExport } from './export-command';
import { runRun } from './run-command';
import { runSummary } from './summary-command';
import { runTrain } from './train-command';
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
    if (command === 'summary') return await runSummary(args, io);
    if (command === 'check') return await runCheck(args, io);
    if (command === 'train') return await runTrain(args, io);
    if (command === 'run') return await runRun(args, io);
    if (command === 'export') return await runExport(args, io);
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
