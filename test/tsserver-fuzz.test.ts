/**
 * Fuzz: seeded mutations of the examples (huge, negative and fractional numbers in layer
 * arguments, deleted spans, truncations, swapped layer names, giant names, deep nesting)
 * through two real tsservers side by side, one with the ConvLens plugin and one plain.
 * Whatever a user types, the plugin never hangs tsserver, never crashes it, and never
 * changes TypeScript's own answers: its diagnostics are TypeScript's plus its own, its
 * hovers TypeScript's with ConvLens's numbers after them, its hints TypeScript's and more.
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { toRandom } from 'convlens-runtime/seeded-random';
import { locationOf, repoRoot, TsServer, type Location } from './tsserver-client';

/**
 * How many mutated files go through both servers (fixed, with the seed, so a failure
 * replays): 40 in `npm test`, 200 in `npm run test:slow` (CONVLENS_FUZZ_MUTATIONS=200).
 * The seeded sequence is the same, so the short run is the first 40 of the long one.
 */
const MUTATIONS = fuzzMutations(process.env['CONVLENS_FUZZ_MUTATIONS'], 40);
const SEED = 20261206;
/** No single answer may take longer: a hang guard, far above the plugin's own budget. */
const ANSWER_TIMEOUT_MS = 10_000;

function fuzzMutations(setting: string | undefined, fallback: number): number {
  if (setting === undefined || setting === '') return fallback;
  const count = Number(setting);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`CONVLENS_FUZZ_MUTATIONS must be a whole number of at least 1 (got ${setting})`);
  return count;
}

const EXAMPLES = ['lenet5.ts', 'alexnet.ts', 'vgg.ts', 'dcgan.ts', 'googlenet.ts', 'resnet.ts'];

const HOSTILE_NUMBERS = ['0', '-1', '-3', '0.5', '1e20', '2 ** 53', '3e8', '1e9', 'NaN', 'Infinity', '65537', '1e-9'];
const LAYER_NAMES = ['conv2d', 'dense', 'maxPool2d', 'avgPool2d', 'flatten', 'relu', 'batchNorm', 'globalAvgPool2d', 'adaptiveAvgPool2d', 'upsample2d', 'zeroPad2d', 'reshape', 'softmax', 'concat', 'residual', 'sequential'];

type Mutation = (text: string, random: () => number) => string;

/** Named imports, not a namespace: TypeScript's own parser overflows on 5,000 nested `fzSequential(` (plain tsserver too). */
const FUZZ_IMPORT =
  "import { model as fzModel, input as fzInput, conv2d as fzConv2d, flatten as fzFlatten, dense as fzDense, sequential as fzSequential, relu as fzRelu, adaptiveAvgPool2d as fzAdaptive, upsample2d as fzUpsample, dropout as fzDropout } from 'convlens';\n";

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)]!;

const MUTATIONS_BY_KIND: Readonly<Record<string, Mutation>> = {
  hostileNumber: (text, random) => {
    const numbers = [...text.matchAll(/(?<![\w.])\d+(?:\.\d+)?(?![\w.])/g)];
    if (numbers.length === 0) return text;
    const match = pick(numbers, random);
    return text.slice(0, match.index) + pick(HOSTILE_NUMBERS, random) + text.slice(match.index! + match[0].length);
  },
  deleteSpan: (text, random) => {
    const start = Math.floor(random() * text.length);
    return text.slice(0, start) + text.slice(start + 1 + Math.floor(random() * 24));
  },
  truncate: (text, random) => text.slice(0, Math.floor(random() * text.length)),
  duplicateLine: (text, random) => {
    const lines = text.split('\n');
    const index = Math.floor(random() * lines.length);
    lines.splice(index, 0, lines[index]!);
    return lines.join('\n');
  },
  swapLayer: (text, random) => {
    const calls = [...text.matchAll(new RegExp(`\\b(${LAYER_NAMES.join('|')})\\(`, 'g'))];
    if (calls.length === 0) return text;
    const match = pick(calls, random);
    return text.slice(0, match.index) + pick(LAYER_NAMES, random) + text.slice(match.index! + match[1]!.length);
  },
  // The adversarial models below reach the DSL through imports of their own.
  giantName: (text) =>
    `${FUZZ_IMPORT}${text}\nlet giant = 'name';\nfor (let i = 0; i < 26; i += 1) giant = giant + giant;\nexport const named = fzModel('named', fzInput(1, 8, 8), fzConv2d(4, 3, { name: giant }), fzFlatten(), fzDense(2, { name: 'n'.repeat(1e6) }));\n`,
  // Deep in the source (TypeScript's own parser overflows past about 600 nested calls, plain
  // tsserver too), or deep in the model a loop builds (2,000 and 5,000 levels).
  deepNesting: (text, random) => {
    const depth = pick([40, 400], random);
    return `${FUZZ_IMPORT}${text}\nexport const deep = fzModel('deep', fzInput(1, 8, 8), ${'fzSequential('.repeat(depth)}fzRelu()${')'.repeat(depth)});\n`;
  },
  deepLoop: (text, random) =>
    `${FUZZ_IMPORT}${text}\nlet nested = fzSequential(fzRelu());\nfor (let i = 0; i < ${pick([2_000, 5_000], random)}; i += 1) nested = fzSequential(nested, fzRelu());\nexport const looped = fzModel('looped', fzInput(1, 8, 8), nested);\n`,
  hugeSizes: (text, random) =>
    `${FUZZ_IMPORT}${text}\nexport const huge = fzModel('huge', fzInput(${pick(['1e20', '3', '2 ** 53'], random)}, 1e9, 1e9), fzConv2d(1e20, 1e9, { stride: 1e-9, dilation: 1e20, groups: 3e8 }), fzAdaptive(1e20), fzUpsample(1e20), fzFlatten(), fzDense(1e20), fzDropout(1e20));\n`,
};

interface ProtocolDiagnostic {
  readonly start: Location;
  readonly end: Location;
  readonly text: string;
  readonly code: number;
  readonly source?: string;
}

interface ProtocolQuickInfo {
  readonly displayString: string;
  readonly documentation: string | readonly { text: string }[];
}

/** Mutations that append a model of their own (on top of one small random edit). */
const APPENDED: ReadonlySet<string> = new Set(['giantName', 'deepNesting', 'deepLoop', 'hugeSizes']);

const documentationText = (info: ProtocolQuickInfo): string => (typeof info.documentation === 'string' ? info.documentation : info.documentation.map((part) => part.text).join(''));

/** What a request answered: its body, or that it failed (tsserver's "no content"), never a timeout. */
async function ask<Body>(server: TsServer, command: string, args: unknown): Promise<{ ok: true; body: Body } | { ok: false; message: string }> {
  const response = await server.request<Body>(command, args, ANSWER_TIMEOUT_MS);
  return response.success ? { ok: true, body: response.body as Body } : { ok: false, message: response.message ?? '' };
}

describe('tsserver fuzz: mutated examples through the plugin and plain TypeScript', function () {
  this.timeout(600_000);
  let project: string;
  let plugin: TsServer;
  let plain: TsServer;
  let logFile: string;

  before(async () => {
    project = mkdtempSync(path.join(tmpdir(), 'convlens-fuzz-'));
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: true, types: [] } }),
    );
    mkdirSync(path.join(project, 'node_modules'));
    symlinkSync(path.join(repoRoot, 'packages', 'convlens'), path.join(project, 'node_modules', 'convlens'), 'dir');
    for (const name of EXAMPLES) copyFileSync(path.join(repoRoot, 'examples', name), path.join(project, name));
    logFile = path.join(project, 'tsserver.log');
    plugin = new TsServer({ logFile, timeoutMs: ANSWER_TIMEOUT_MS });
    plain = new TsServer({ plugin: false, timeoutMs: ANSWER_TIMEOUT_MS });
    await Promise.all([plugin.body('configure', { preferences: {} }), plain.body('configure', { preferences: {} })]);
  });

  after(async () => {
    await Promise.all([plugin?.shutdown(), plain?.shutdown()]);
    if (project !== undefined) rmSync(project, { recursive: true, force: true });
  });

  it(`${MUTATIONS} mutations: no hang, no crash, TypeScript's own answers intact`, async () => {
    const random = toRandom(SEED);
    const kinds = Object.keys(MUTATIONS_BY_KIND);
    const counts = new Map<string, number>();
    /** What the plugin added over TypeScript: proof that the mutated files were analysed, not skipped. */
    let convLensDiagnostics = 0;
    let convLensHints = 0;
    for (let index = 0; index < MUTATIONS; index += 1) {
      const name = pick(EXAMPLES, random);
      const file = path.join(project, name);
      const original = readFileSync(file, 'utf8');
      const kind = pick(kinds, random);
      // One to three mutations on top of each other.
      let text = original;
      for (let times = 1 + Math.floor(random() * 3); times > 0; times -= 1) text = MUTATIONS_BY_KIND[APPENDED.has(kind) ? pick(['hostileNumber', 'deleteSpan', 'swapLayer'], random) : kind]!(text, random);
      if (APPENDED.has(kind)) text = MUTATIONS_BY_KIND[kind]!(text, random);
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      const what = `mutation #${index} (${kind} of ${name}, seed ${SEED})`;
      const positions = [locationOf(text, Math.floor(random() * text.length))];

      await Promise.all([plugin.open(file, text), plain.open(file, text)]);
      const [withPluginAnswers, withoutAnswers] = await Promise.all(
        [plugin, plain].map(async (server) => ({
          diagnostics: await ask<ProtocolDiagnostic[]>(server, 'semanticDiagnosticsSync', { file }),
          hints: await ask<{ text: string }[]>(server, 'provideInlayHints', { file, start: 0, length: text.length }),
          infos: await Promise.all(positions.map((at) => ask<ProtocolQuickInfo>(server, 'quickinfo', { file, ...at }))),
        })),
      );
      const withPlugin = withPluginAnswers!;
      const without = withoutAnswers!;
      const typeScriptOnly = (answer: typeof withPlugin.diagnostics): unknown =>
        answer.ok ? answer.body.filter((diagnostic) => diagnostic.source !== 'convlens').map(({ start, end, text: message, code }) => ({ start, end, message, code })) : answer.message;
      assert.deepEqual(typeScriptOnly(withPlugin.diagnostics), typeScriptOnly(without.diagnostics), `${what}: TypeScript's diagnostics`);
      if (withPlugin.diagnostics.ok) convLensDiagnostics += withPlugin.diagnostics.body.filter((diagnostic) => diagnostic.source === 'convlens').length;
      if (withPlugin.hints.ok && without.hints.ok) convLensHints += withPlugin.hints.body.length - without.hints.body.length;
      assert.ok(withPlugin.hints.ok === without.hints.ok, `${what}: inlay hints answered by both`);
      if (withPlugin.hints.ok && without.hints.ok) {
        const theirs = without.hints.body.map((hint) => JSON.stringify(hint));
        const ours = new Set(withPlugin.hints.body.map((hint) => JSON.stringify(hint)));
        assert.deepEqual(theirs.filter((hint) => !ours.has(hint)), [], `${what}: TypeScript's hints kept`);
      }
      withPlugin.infos.forEach((info, at) => {
        const theirs = without.infos[at]!;
        if (!theirs.ok) return;
        assert.ok(info.ok, `${what}: quick info at ${JSON.stringify(positions[at])}`);
        assert.equal(info.body.displayString, theirs.body.displayString, `${what}: quick info's signature`);
        assert.ok(documentationText(info.body).startsWith(documentationText(theirs.body)), `${what}: quick info's documentation`);
      });
    }
    // Every kind of mutation was tried, and the plugin had things to say about the results.
    assert.deepEqual([...counts.keys()].sort(), [...kinds].sort());
    assert.ok(convLensDiagnostics >= MUTATIONS / 10 && convLensHints >= MUTATIONS * 10, `${convLensDiagnostics} ConvLens diagnostics, ${convLensHints} hints`);
    const log = readFileSync(logFile, 'utf8');
    console.log(`      ${convLensDiagnostics} ConvLens diagnostics, ${convLensHints} shape hints; ${(log.match(/\[convlens\][^\n]*(failed|budget)/g) ?? []).length} fallbacks to TypeScript's answer`);
    // Both servers are still the ones started at the beginning, answering.
    assert.equal(plugin.process.exitCode, null);
    assert.equal(plain.process.exitCode, null);
  });
});
