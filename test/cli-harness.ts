/**
 * Two ways to run the `convlens` command in tests. The rule: test the command's logic
 * in-process (`runConvlens`, which calls cli/main.ts's `main` with captured output and a
 * working directory of its own); start a process (`spawnConvlens`, the real
 * packages/convlens/bin/convlens.js) only where the process boundary is the subject: the
 * exit code and the output as they reach a pipe, signals, what the user's file writes to
 * the process's own streams.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { main } from 'convlens/cli';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const binPath = path.join(repoRoot, 'packages', 'convlens', 'bin', 'convlens.js');

export interface ConvlensResult {
  /** The exit status; null only for a spawned process killed by a signal. */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ConvlensOptions {
  /** The working directory: relative paths in `args` resolve against it, messages are relative to it. */
  readonly cwd: string;
  /** Environment variables for the run (undefined removes one); in-process, set on process.env for the call only. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Process-wide handlers a command may add while it runs; it must remove them before it returns. */
const GUARDED_EVENTS = ['SIGINT', 'SIGTERM'] as const;

/**
 * `convlens ...args` in this process: `main(args, { stdout, stderr, cwd })` with both
 * streams captured. process.env is shared with the command (and with the user's file in
 * execute mode), so `env` is set for the duration of the call and restored afterwards.
 * Throws when the command leaves a signal handler behind.
 */
export async function runConvlens(args: readonly string[], options: ConvlensOptions): Promise<ConvlensResult> {
  let stdout = '';
  let stderr = '';
  const listeners = GUARDED_EVENTS.map((event) => process.listenerCount(event));
  const restoreEnv = setEnv(options.env ?? {});
  let status: number;
  try {
    status = await main(args, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd: options.cwd });
  } finally {
    restoreEnv();
  }
  GUARDED_EVENTS.forEach((event, index) => {
    const count = process.listenerCount(event);
    if (count !== listeners[index]) throw new Error(`convlens ${args.join(' ')} left ${count - (listeners[index] ?? 0)} ${event} listener(s) behind`);
  });
  return { status, stdout, stderr };
}

/**
 * `node packages/convlens/bin/convlens.js ...args` in a child process, as a user runs it,
 * with `env` on top of this process's environment.
 */
export function spawnConvlens(args: readonly string[], options: ConvlensOptions & { readonly timeoutMs?: number }): ConvlensResult {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const result = spawnSync(process.execPath, [binPath, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    env,
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Sets `env` on process.env and returns what puts back the values it replaced (or removes those that were absent). */
function setEnv(env: Readonly<Record<string, string | undefined>>): () => void {
  const saved = Object.keys(env).map((name) => [name, Object.prototype.hasOwnProperty.call(process.env, name), process.env[name]] as const);
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, present, value] of saved) {
      if (present && value !== undefined) process.env[name] = value;
      else delete process.env[name];
    }
  };
}
