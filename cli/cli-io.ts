/** What a command may touch of its process, so that tests can run it in-process too. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Relative paths in arguments are resolved against it and in messages relative to it. */
  readonly cwd: string;
  /** Whether stderr is a terminal (a progress bar redraws in place); absent means no. */
  readonly stderrIsTerminal?: boolean;
}

export function toProcessIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
    stderrIsTerminal: process.stderr.isTTY === true,
  };
}
