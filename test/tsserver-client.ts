/**
 * A small client for the real tsserver over stdio, started the way VS Code starts it for
 * an extension-contributed plugin: `tsserver.js --globalPlugins convlens-tsserver-plugin
 * --pluginProbeLocations <repo root>` — or, with `plugin: false` and a project's own
 * tsserver, the way other editors start it (the plugin then comes from the project's
 * tsconfig.json alone). Requests are matched to responses by `seq`; every wait is on an
 * explicit response or event, with a timeout, never a sleep.
 *
 * Used by test/tsserver.test.ts, test/packages/ and bench/language.js (through dist/test).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const PLUGIN_NAME = 'convlens-tsserver-plugin';
export const repoRoot = path.resolve(__dirname, '..', '..');

export interface TsServerOptions {
  /** Load the ConvLens plugin (default true); false gives plain tsserver for comparison. */
  readonly plugin?: boolean;
  /** The tsserver.js to run (default this repository's) and its working folder (default the repository). */
  readonly tsserver?: string;
  readonly cwd?: string;
  /** tsserver's own log (with the plugin's `[convlens]` lines), verbose. */
  readonly logFile?: string;
  /** Extra arguments for node itself (e.g. `--cpu-prof`). */
  readonly execArgv?: readonly string[];
  /** How long a request may take before its promise rejects (default 30 s). */
  readonly timeoutMs?: number;
}

export interface ServerMessage {
  readonly seq: number;
  readonly type: 'response' | 'event';
}

export interface Response<Body = unknown> extends ServerMessage {
  readonly type: 'response';
  readonly request_seq: number;
  readonly command: string;
  readonly success: boolean;
  readonly message?: string;
  readonly body?: Body;
}

export interface ServerEvent<Body = unknown> extends ServerMessage {
  readonly type: 'event';
  readonly event: string;
  readonly body?: Body;
}

/** 1-based line and offset, as the protocol counts them. */
export interface Location {
  readonly line: number;
  readonly offset: number;
}

interface Waiter {
  readonly accept: (message: ServerMessage) => boolean;
  readonly reject: (error: Error) => void;
}

export class TsServer {
  readonly process: ChildProcess;
  private seq = 0;
  private buffer = Buffer.alloc(0);
  private readonly waiters = new Set<Waiter>();
  /** Events received so far, oldest first (tests look for ones that already came). */
  readonly events: ServerEvent[] = [];
  private exited: Error | undefined;
  private stderr = '';
  private readonly timeoutMs: number;
  private readonly projectRoot: string;

  constructor(options: TsServerOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const tsserver = options.tsserver ?? require.resolve('typescript/lib/tsserver.js', { paths: [repoRoot] });
    this.projectRoot = options.cwd ?? repoRoot;
    const args = [...(options.execArgv ?? []), tsserver];
    if (options.plugin !== false) args.push('--globalPlugins', PLUGIN_NAME, '--pluginProbeLocations', repoRoot);
    // No typings installer: it would start npm in the background.
    args.push('--disableAutomaticTypingAcquisition');
    if (options.logFile !== undefined) args.push('--logVerbosity', 'verbose', '--logFile', options.logFile);
    this.process = spawn(process.execPath, args, { cwd: this.projectRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stdout!.on('data', (chunk: Buffer) => this.receive(chunk));
    this.process.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    this.process.on('exit', (code, signal) => {
      this.exited = new Error(`tsserver exited (code ${code}, signal ${signal}); stderr: ${this.stderr.slice(-2000)}`);
      for (const waiter of [...this.waiters]) waiter.reject(this.exited);
      this.waiters.clear();
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  /** Sends a request and resolves with its response (rejects on timeout or exit, not on success: false). */
  request<Body = unknown>(command: string, args?: unknown, timeoutMs = this.timeoutMs): Promise<Response<Body>> {
    const seq = ++this.seq;
    const answer = this.waitFor<Response<Body>>(
      (message): message is Response<Body> => message.type === 'response' && (message as Response).request_seq === seq,
      `response to ${command} #${seq}`,
      timeoutMs,
    );
    this.send({ seq, type: 'request', command, arguments: args });
    return answer;
  }

  /** A request whose response must be successful; resolves with its body. */
  async body<Body = unknown>(command: string, args?: unknown, timeoutMs?: number): Promise<Body> {
    const response = await this.request<Body>(command, args, timeoutMs);
    if (!response.success) throw new Error(`${command} failed: ${response.message ?? '(no message)'}`);
    return response.body as Body;
  }

  /** Waits for the first event named `event` (after `since`, an index into `events`) that `matches`. */
  event<Body = unknown>(event: string, matches: (body: Body) => boolean = () => true, since = 0, timeoutMs = this.timeoutMs): Promise<ServerEvent<Body>> {
    const already = this.events.slice(since).find((message) => message.event === event && matches(message.body as Body));
    if (already !== undefined) return Promise.resolve(already as ServerEvent<Body>);
    return this.waitFor<ServerEvent<Body>>(
      (message): message is ServerEvent<Body> => message.type === 'event' && (message as ServerEvent).event === event && matches((message as ServerEvent<Body>).body as Body),
      `event ${event}`,
      timeoutMs,
    );
  }

  /** Opens (or replaces the text of) files in one `updateOpen`, which answers once it is applied. */
  async open(file: string, text = readFileSync(file, 'utf8')): Promise<void> {
    await this.body('updateOpen', { openFiles: [{ file, fileContent: text, projectRootPath: this.projectRoot }] });
  }

  /** Replaces `[start, end)` (protocol locations) of an open file with `newText`. */
  async change(file: string, start: Location, end: Location, newText: string): Promise<void> {
    await this.body('updateOpen', { changedFiles: [{ fileName: file, textChanges: [{ start, end, newText }] }] });
  }

  async closeFile(file: string): Promise<void> {
    await this.body('updateOpen', { closedFiles: [file] });
  }

  /** Asks tsserver to exit and waits for it; kills it if it does not go within a few seconds. */
  async shutdown(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.send({ seq: ++this.seq, type: 'request', command: 'exit' });
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  }

  /** Peak resident memory of the server process so far (Linux), in bytes. */
  peakMemoryBytes(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
      return match === null ? undefined : Number(match[1]) * 1024;
    } catch {
      return undefined;
    }
  }

  private send(message: unknown): void {
    if (this.exited !== undefined) throw this.exited;
    this.process.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  private waitFor<T extends ServerMessage>(accept: (message: ServerMessage) => message is T, what: string, timeoutMs: number): Promise<T> {
    if (this.exited !== undefined) return Promise.reject(this.exited);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`tsserver: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        accept: (message) => {
          if (!accept(message)) return false;
          clearTimeout(timer);
          resolve(message);
          return true;
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Splits stdout into `Content-Length`-framed messages (lengths count bytes, not characters). */
  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const match = /Content-Length: (\d+)/i.exec(header);
      if (match === null) throw new Error(`tsserver: unexpected header ${JSON.stringify(header)}`);
      const start = headerEnd + 4;
      const end = start + Number(match[1]);
      if (this.buffer.length < end) return;
      const message = JSON.parse(this.buffer.subarray(start, end).toString('utf8')) as ServerMessage;
      this.buffer = this.buffer.subarray(end);
      if (message.type === 'event') this.events.push(message as ServerEvent);
      for (const waiter of [...this.waiters]) {
        if (waiter.accept(message)) this.waiters.delete(waiter);
      }
    }
  }
}

/** The protocol location (1-based line and offset) of a character offset in `text`. */
export function locationOf(text: string, position: number): Location {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  return { line, offset: position - (before.lastIndexOf('\n') + 1) + 1 };
}

/** The character offset of a protocol location in `text`. */
export function positionOf(text: string, location: Location): number {
  const lines = text.split('\n');
  let position = 0;
  for (let index = 0; index < location.line - 1; index += 1) position += (lines[index] ?? '').length + 1;
  return position + location.offset - 1;
}
