/**
 * `convlens train` and `convlens run`: the dry run against the engine, a short training
 * with --json events, inference with feature maps and Grad-CAM on its checkpoint, and every kind of bad
 * input as one line on stderr with a non-zero exit, leaving what was on disk alone.
 *
 * Every test calls the command in-process (`runConvlens`, test/cli-harness.ts), so
 * TensorFlow.js trains in this process: the backend the command picks stays selected
 * afterwards (every runtime test picks its own before it runs), and the harness fails a
 * run that leaves its SIGINT handler behind. The environment variable that
 * test/fixtures/cli/side-effect.ts reads is set on process.env for that one call. None
 * spawns a process: none has the process as its subject (Ctrl-C, which ends the process
 * on its second press, is not tested here; test/cli.test.ts runs the real
 * bin/convlens.js end to end).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { analyze } from 'convlens/engine';
import { loadDataset } from 'convlens-runtime/datasets/load-dataset';
import { encodePng } from 'convlens-runtime/inspection/image-grid';
import { repoRoot, runConvlens, type ConvlensResult } from '../cli-harness';

/** The command in-process, in the repository, with `env` set for the call. */
function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ConvlensResult> {
  return runConvlens(args, { cwd: repoRoot, env });
}

function assertOneLineError(result: { status: number | null; stdout: string; stderr: string }, expected: RegExp, status = 2): void {
  assert.equal(result.status, status, `exit status; stderr: ${result.stderr}`);
  assert.match(result.stderr, /^convlens: [^\n]+\n$/, `one line: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.match(result.stderr, expected);
}

describe('runtime: convlens train and convlens run', function () {
  this.timeout(300_000);
  let folder: string;

  before(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'convlens-cli-train-'));
  });
  after(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('--dry-run --json prints the backend, the weights as TensorFlow.js counts them and the engine’s layer shapes', async () => {
    const result = await runCli(['train', 'examples/googlenet.ts', '--model', 'googlenet', '--dry-run', '--json', '--backend', 'cpu']);
    assert.equal(result.status, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as { backend: string; weights: { trainable: number; nonTrainable: number }; layers: { name: string; output: number[] }[] };
    assert.deepEqual(Object.keys(printed), ['backend', 'weights', 'layers']);
    assert.equal(printed.backend, 'cpu');
    // torchvision's GoogLeNet with both aux heads: 13,004,888 trainable; batch norm's running statistics on top.
    assert.equal(printed.weights.trainable, 13_004_888);
    const analysis = analyze((require('../../examples/googlenet') as typeof import('../../examples/googlenet')).googlenet);
    assert.ok(analysis.kind === 'model');
    assert.equal(printed.weights.nonTrainable, analysis.params.nonTrainable);
    const leaves = analysis.layers.filter((layer) => !layer.container && layer.path !== 'input');
    assert.deepEqual(printed.layers, leaves.map((layer) => ({ name: layer.name, output: layer.output })));
  });

  it('takes the model from static evaluation without running the file, and runs it only for what static evaluation cannot know', async () => {
    const mark = path.join(folder, 'the-file-ran');
    const statically = await runCli(['train', 'test/fixtures/cli/side-effect.ts', '--dry-run', '--json', '--backend', 'cpu'], { CONVLENS_TEST_MARK: mark });
    assert.equal(statically.status, 0, statically.stderr);
    assert.deepEqual((JSON.parse(statically.stdout) as { layers: { name: string }[] }).layers.map((layer) => layer.name), ['flatten_1', 'dense_1']);
    assert.equal(existsSync(mark), false, 'the file ran');
    // random.ts's filter count is a coin toss: only running the file tells it.
    const executed = await runCli(['train', 'test/fixtures/cli/random.ts', '--model', 'noisy', '--dry-run', '--json', '--backend', 'cpu']);
    assert.equal(executed.status, 0, executed.stderr);
    const [first] = (JSON.parse(executed.stdout) as { layers: { output: number[] }[] }).layers;
    assert.ok(first !== undefined && [8, 16].includes(first.output[0] as number), JSON.stringify(first));
  });

  it('trains with --json (one event per line, finished last) and runs the checkpoint on an image', async () => {
    const out = path.join(folder, 'lenet');
    const result = await runCli(['train', 'examples/lenet5.ts', '--model', 'lenet5Mnist', '--limit', '1024', '--epochs', '2', '--json', '--out', out, '--backend', 'wasm']);
    assert.equal(result.status, 0, result.stderr);
    const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { event: string; testAccuracy?: number; checkpoint?: string });
    assert.equal(events[0]?.event, 'started');
    const finished = events.at(-1);
    assert.equal(finished?.event, 'finished');
    assert.ok(typeof finished?.testAccuracy === 'number' && finished.testAccuracy > 0.5, `test accuracy ${finished?.testAccuracy}`);
    assert.equal(finished?.checkpoint, path.join(out, 'checkpoint'));

    const mnist = await loadDataset('mnist', { inputShape: [1, 28, 28] });
    const image = path.join(folder, 'seven.png');
    // MNIST's first test image is a 7.
    writeFileSync(image, encodePng({ width: 28, height: 28, channels: 1, data: mnist.test!.images.subarray(0, 784) }));
    const maps = path.join(folder, 'maps');
    const run = await runCli(['run', 'examples/lenet5.ts', '--model', 'lenet5Mnist', '--checkpoint', path.join(out, 'checkpoint'), '--image', image, '--feature-maps', 'conv2d_2', '--filters', '--out', maps, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { predictions: { label: string; probability: number }[]; featureMaps: { shape: number[]; png: string } };
    assert.equal(report.predictions.length, 5);
    assert.ok(report.predictions.every((prediction, index, all) => index === 0 || (all[index - 1]?.probability ?? 0) >= prediction.probability));
    assert.deepEqual(report.featureMaps.shape, [16, 10, 10]);
    assert.deepEqual(readdirSync(maps).sort(), ['feature-maps-conv2d_2.json', 'feature-maps-conv2d_2.png', 'filters.json', 'filters.png']);
    const table = await runCli(['run', 'examples/lenet5.ts', '--model', 'lenet5Mnist', '--checkpoint', path.join(out, 'checkpoint'), '--image', image, '--top', '1']);
    assert.match(table.stdout, /^\d +\d+\.\d\d%\n$/);

    // Grad-CAM of class 7 over the last convolution (conv2d_2, 16@10×10), drawn over the image.
    const cams = path.join(folder, 'cams');
    const cam = await runCli(['run', 'examples/lenet5.ts', '--model', 'lenet5Mnist', '--checkpoint', path.join(out, 'checkpoint'), '--image', image, '--cam', '7', '--out', cams, '--json']);
    assert.equal(cam.status, 0, cam.stderr);
    const camReport = (JSON.parse(cam.stdout) as { gradCam: { layer: string; classIndex: number; label: string; shape: number[]; png: string; data: string } }).gradCam;
    assert.deepEqual([camReport.layer, camReport.classIndex, camReport.label, camReport.shape], ['conv2d_2', 7, '7', [10, 10]]);
    assert.deepEqual(readdirSync(cams).sort(), ['grad-cam-7.json', 'grad-cam-7.png']);
    const png = PNG.sync.read(readFileSync(camReport.png));
    // 28×28 enlarged 8 times: the smallest whole factor reaching 224.
    assert.deepEqual([png.width, png.height], [224, 224]);
    const data = JSON.parse(readFileSync(camReport.data, 'utf8')) as { values: number[]; min: number; max: number; probability: number };
    assert.equal(data.values.length, 100);
    assert.ok(data.min >= 0 && data.max > 0, `Grad-CAM range [${data.min}, ${data.max}]`);
    // A class by its index, over another layer, as a table line.
    const relu = await runCli(['run', 'examples/lenet5.ts', '--model', 'lenet5Mnist', '--checkpoint', path.join(out, 'checkpoint'), '--image', image, '--cam', '3', '--cam-layer', 'relu_1', '--out', cams, '--top', '1']);
    assert.equal(relu.status, 0, relu.stderr);
    assert.match(relu.stdout, /^\d +\d+\.\d\d%\nGrad-CAM of class 3 \(\d+\.\d\d%\) over relu_1: .*grad-cam-3\.png\n$/);
    assert.deepEqual((JSON.parse(readFileSync(path.join(cams, 'grad-cam-3.json'), 'utf8')) as { shape: number[] }).shape, [28, 28]);

    // Bad input: one line, exit 2, nothing written.
    const lenetRun = ['run', 'examples/lenet5.ts', '--model', 'lenet5Mnist', '--checkpoint', path.join(out, 'checkpoint'), '--image', image];
    const untouched = path.join(folder, 'cams-untouched');
    assertOneLineError(await runCli([...lenetRun, '--cam', 'cat', '--out', untouched]), /unknown class 'cat' for --cam: the checkpoint's classes are 0, 1, 2, 3, 4, 5, 6, 7, 8, 9/);
    assertOneLineError(await runCli([...lenetRun, '--cam', '10', '--out', untouched]), /unknown class '10' for --cam/);
    assertOneLineError(await runCli([...lenetRun, '--cam', '7', '--cam-layer', 'dense_1', '--out', untouched]), /Grad-CAM needs a layer with a spatial output; dense_1's is \[120\]/);
    assertOneLineError(await runCli([...lenetRun, '--cam', '7', '--cam-layer', 'conv9', '--out', untouched]), /lenet5Mnist has no layer 'conv9'/);
    assertOneLineError(await runCli([...lenetRun, '--cam', '7']), /--cam writes PNG files: give --out DIR/);
    assertOneLineError(await runCli([...lenetRun, '--cam-layer', 'conv2d_1', '--out', untouched]), /--cam-layer picks the layer of --cam CLASS: give --cam too/);
    assertOneLineError(await runCli(['run', 'examples/lenet5.ts', '--model', 'lenet5Mnist', '--checkpoint', path.join(folder, 'missing'), '--image', image, '--cam', '7', '--out', untouched]), /checkpoint .*missing does not exist/);
    assert.equal(existsSync(untouched), false);

    // A model without a convolution: trained for a moment, then asked for its Grad-CAM.
    const flat = path.join(folder, 'flat');
    const trained = await runCli(['train', 'test/fixtures/cli/side-effect.ts', '--model', 'tiny', '--limit', '64', '--test-limit', '64', '--epochs', '1', '--out', flat, '--backend', 'cpu']);
    assert.equal(trained.status, 0, trained.stderr);
    assertOneLineError(
      await runCli(['run', 'test/fixtures/cli/side-effect.ts', '--model', 'tiny', '--checkpoint', path.join(flat, 'checkpoint'), '--image', image, '--cam', '7', '--out', untouched]),
      /tiny has no convolutional layer for Grad-CAM/,
    );
    assert.equal(existsSync(untouched), false);
  });

  it('bad input: one line, a non-zero exit, and nothing on disk lost', async () => {
    const out = path.join(folder, 'kept');
    mkdirSync(path.join(out, 'checkpoint'), { recursive: true });
    writeFileSync(path.join(out, 'checkpoint', 'training.json'), '{"kind":"classifier"}');
    const lenet = ['train', 'examples/lenet5.ts', '--out', out];
    assertOneLineError(await runCli([...lenet, '--model', 'lenet5Mnist', '--dataset', 'imagenet']), /unknown dataset 'imagenet'/);
    assertOneLineError(await runCli([...lenet, '--model', 'lenet5', '--dataset', 'mnist']), /mnist's images are 1@28×28 but lenet5 takes 1@32×32/);
    assertOneLineError(await runCli([...lenet, '--model', 'lenet5Mnist', '--epochs', 'zero']), /--epochs must be a positive integer, got 'zero'/);
    assertOneLineError(await runCli([...lenet, '--model', 'lenet5Mnist', '--backend', 'gpu']), /--backend must be auto, webgpu, tensorflow, wasm or cpu/);
    assertOneLineError(await runCli([...lenet, '--model', 'nope']), /has no model or gan export named 'nope'/);
    assertOneLineError(await runCli(['train', 'test/fixtures/cli/dense-on-image.ts', '--model', 'broken', '--out', out]), /broken has shape errors, so it cannot be trained: CL1004/);
    assertOneLineError(await runCli(['run', 'examples/lenet5.ts', '--model', 'lenet5Mnist', '--checkpoint', path.join(folder, 'missing'), '--image', 'x.png']), /checkpoint .*missing does not exist/);
    // The kernels' settings, refused before any training (not when a kernel first reads them).
    assertOneLineError(await runCli([...lenet, '--model', 'lenet5Mnist'], { CONVLENS_THREADS: 'two' }), /CONVLENS_THREADS must be a whole number from 1 to 64 or auto \(got two\)/);
    assertOneLineError(await runCli(['run', 'examples/lenet5.ts', '--model', 'lenet5Mnist', '--checkpoint', path.join(folder, 'missing'), '--image', 'x.png'], { CONVLENS_SIMD: 'fast' }), /CONVLENS_SIMD must be plain or relaxed \(got fast\)/);
    assert.deepEqual(readdirSync(out), ['checkpoint']);
    assert.equal(readFileSync(path.join(out, 'checkpoint', 'training.json'), 'utf8'), '{"kind":"classifier"}');
    assert.equal(existsSync(path.join(out, 'metrics.jsonl')), false);
  });
});
