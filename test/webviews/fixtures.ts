/**
 * Literal protocol messages for the webview tests: LeNet-5 as `convlens summary` prints it
 * (examples/lenet5.ts), a made-up container block for indentation, a DCGAN summary, and
 * helpers that make training/inspection messages.
 */
import { PNG } from 'pngjs';
import type { HostMessage, InputImage, SummaryRow, SummarySnapshot, TensorSnapshot } from '../../webviews/protocol';

const row = (name: string, kind: string, output: string, params: number | null, macs: number | null, receptiveField: string | null, line: number | null, depth = 0, extra: Partial<SummaryRow> = {}): SummaryRow => ({
  name,
  kind,
  depth,
  container: false,
  aux: false,
  output,
  params,
  macs,
  receptiveField,
  line,
  ...extra,
});

export const LENET_SUMMARY: SummarySnapshot = {
  title: 'lenet5',
  kind: 'model',
  input: '1@32×32',
  output: '10',
  rows: [
    row('input', 'input', '1@32×32', 0, 0, '1×1 / 1', 20),
    row('C1', 'conv2d', '6@28×28', 156, 117_600, '5×5 / 1', 21),
    row('tanh_1', 'tanh', '6@28×28', 0, 0, '5×5 / 1', 22),
    row('S2', 'avgPool2d', '6@14×14', 0, 0, '6×6 / 2', 23),
    row('features', 'sequential', '16@5×5', 2_416, 240_000, '16×16 / 4', 24, 0, { container: true }),
    row('C3', 'conv2d', '16@10×10', 2_416, 240_000, '14×14 / 2', 25, 1),
    row('tanh_2', 'tanh', '16@10×10', 0, 0, '14×14 / 2', 26, 1),
    row('S4', 'avgPool2d', '16@5×5', 0, 0, '16×16 / 4', 27, 1),
    row('C5', 'conv2d', '120@1×1', 48_120, 48_000, '32×32 / 4', 29),
    row('tanh_3', 'tanh', '120@1×1', 0, 0, '32×32 / 4', 30),
    row('flatten_1', 'flatten', '120', 0, 0, null, 31),
    row('F6', 'dense', '84', 10_164, 10_080, null, 32),
    row('tanh_4', 'tanh', '84', 0, 0, null, 33),
    row('output', 'dense', '10', 850, 840, null, 34),
  ],
  totals: { trainable: 61_706, nonTrainable: 0, aux: 0, macs: 416_520, receptiveField: '32×32, jump 4×4' },
  findings: [
    { code: 'CL2003', severity: 'warning', message: 'tanh after avgPool2d: the 1998 LeNet-5 used scaled tanh; relu trains faster.', line: 22 },
    { code: 'CL3001', severity: 'info', message: 'The receptive field (32×32) covers the whole input.', line: null },
  ],
};

export const DCGAN_SUMMARY: SummarySnapshot = {
  title: 'dcgan',
  kind: 'gan',
  input: '100',
  output: '3@64×64',
  rows: [
    row('generator', 'generator', '3@64×64', 3_578_624, 104_628_224, null, 37, 0, { container: true }),
    row('conv2dTranspose_1', 'conv2dTranspose', '512@4×4', 819_200, 819_200, null, 39, 1),
    row('conv2dTranspose_5', 'conv2dTranspose', '3@64×64', 3_072, 3_145_728, null, 51, 1),
    row('discriminator', 'discriminator', '1@1×1', 2_766_592, 104_000_000, '94×94 / 16', 55, 0, { container: true }),
    row('conv2d_5', 'conv2d', '1@1×1', 8_192, 8_192, '94×94 / 16', 68, 1),
  ],
  totals: { trainable: 6_342_272, nonTrainable: 3_840, aux: null, macs: 208_628_224, receptiveField: null },
  findings: [],
};

export function summaryUpdated(summary: SummarySnapshot = LENET_SUMMARY): HostMessage {
  return { type: 'summaryUpdated', summary };
}

export function trainingStarted(kind: 'classifier' | 'gan' = 'classifier', epochs = 5): HostMessage {
  return { type: 'trainingStarted', kind, backend: 'wasm', dataset: 'mnist', epochs, batchesPerEpoch: 100 };
}

/** A falling loss and rising accuracy: epoch e (1-based) of `epochs`. */
export function lossAt(epoch: number): number {
  return 2.3 * Math.exp(-0.6 * epoch) + 0.05;
}

export function accuracyAt(epoch: number): number {
  return 1 - 0.9 * Math.exp(-0.8 * epoch);
}

export function epochEnded(epoch: number, gan = false): HostMessage {
  return {
    type: 'epochEnded',
    epoch,
    loss: lossAt(epoch),
    accuracy: gan ? null : accuracyAt(epoch),
    validationLoss: gan ? null : lossAt(epoch) * 1.1,
    validationAccuracy: gan ? null : 1 - 0.95 * Math.exp(-0.75 * epoch),
    generatorLoss: gan ? 1.5 + 0.3 * Math.sin(epoch) : null,
  };
}

export function progressed(epoch: number, batch: number, epochs = 5, batches = 100, gan = false): HostMessage {
  return {
    type: 'trainingProgressed',
    epoch,
    epochs,
    batch,
    batches,
    loss: lossAt(epoch - 1 + batch / batches),
    accuracy: gan ? null : accuracyAt(epoch - 1 + batch / batches),
    generatorLoss: gan ? 1.2 : null,
    imagesPerSecond: 2150.4,
  };
}

/** 10 classes, mostly right: 97 on the diagonal, 3 confused with the next class. */
export function confusionMatrix(): number[][] {
  return Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j ? 97 : j === (i + 1) % 10 ? 3 : 0)));
}

export function trainingFinished(): HostMessage {
  return { type: 'trainingFinished', testAccuracy: 0.9871, confusionMatrix: confusionMatrix(), classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] };
}

/**
 * Feature maps [C, H, W] with a gradient in each channel; channel 0's top-left pixel holds
 * the layer minimum and channel 1's the maximum (the colour map's extremes).
 */
export function featureMaps(channels = 6, height = 28, width = 28, min = -1, max = 3): TensorSnapshot {
  const values: number[] = [];
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) values.push(Number((((x + y) / (width + height)) * (max - min) * 0.8 + min + 0.1 * (max - min) + 0.01 * c).toFixed(4)));
    }
  }
  values[0] = min;
  values[height * width] = max;
  return { shape: [channels, height, width], values, min, max };
}

/**
 * An input image as the extension sends it: `byteAt(row, column, channel)` for every pixel,
 * channels last, in base64. The default is a 28×28 grey diagonal ramp: byte = 4·(row + column) + 20.
 */
export function inputImage(
  caption = 'test sample #12',
  width = 28,
  height = 28,
  channels: 1 | 3 = 1,
  byteAt: (row: number, column: number, channel: number) => number = (row, column) => 4 * (row + column) + 20,
): InputImage {
  const bytes = Buffer.alloc(width * height * channels);
  for (let row = 0; row < height; row++) for (let column = 0; column < width; column++) for (let channel = 0; channel < channels; channel++) bytes[(row * width + column) * channels + channel] = byteAt(row, column, channel);
  return { caption, width, height, channels, pixels: bytes.toString('base64') };
}

/** Six 5×5 filters: a vertical edge detector in each, signs alternating per filter. */
export function filters(): TensorSnapshot {
  const values: number[] = [];
  for (let f = 0; f < 6; f++) {
    for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) values.push(Number(((x - 2) * 0.2 * (f % 2 === 0 ? 1 : -1) + 0.05 * y).toFixed(3)));
  }
  return { shape: [6, 5, 5], values, min: Math.min(...values), max: Math.max(...values) };
}

export const LAYERS: HostMessage = {
  type: 'layersListed',
  layers: [
    { name: 'C1', kind: 'conv2d', output: '6@28×28' },
    { name: 'S2', kind: 'avgPool2d', output: '6@14×14' },
    { name: 'C3', kind: 'conv2d', output: '16@10×10' },
    { name: 'F6', kind: 'dense', output: '84' },
  ],
};

export const PREDICTIONS: HostMessage = {
  type: 'predictionsComputed',
  predictions: [
    { label: '3', probability: 0.05 },
    { label: '7', probability: 0.91 },
    { label: '1', probability: 0.03 },
    { label: '9', probability: 0.01 },
  ],
};

/**
 * A rows × columns grid of `cell`-pixel squares as a base64 PNG: cell k is filled with
 * `colour(k)`, so tests can check which grid a canvas shows.
 */
export function gridPng(rows: number, columns: number, cell: number, colour: (index: number) => readonly [number, number, number]): string {
  const png = new PNG({ width: columns * cell, height: rows * cell });
  for (let y = 0; y < rows * cell; y++) {
    for (let x = 0; x < columns * cell; x++) {
      const [r, g, b] = colour(Math.floor(y / cell) * columns + Math.floor(x / cell));
      const offset = (y * columns * cell + x) * 4;
      png.data[offset] = r;
      png.data[offset + 1] = g;
      png.data[offset + 2] = b;
      png.data[offset + 3] = 255;
    }
  }
  return PNG.sync.write(png).toString('base64');
}

/** Epoch e's grid: every cell one grey level that rises with the epoch, cell 0 tinted red. */
export function samplesReady(epoch: number, rows = 4, columns = 4): HostMessage {
  const level = Math.min(255, 40 * epoch);
  return { type: 'samplesReady', epoch, rows, columns, png: gridPng(rows, columns, 28, (index) => (index === 0 ? [200, 30, 30] : [level, level, level])) };
}

/** A digit-like blob grid (for screenshots): soft discs whose size depends on the cell. */
export function blobGridPng(rows: number, columns: number, cell: number, epoch: number): string {
  const png = new PNG({ width: columns * cell, height: rows * cell });
  for (let y = 0; y < rows * cell; y++) {
    for (let x = 0; x < columns * cell; x++) {
      const index = Math.floor(y / cell) * columns + Math.floor(x / cell);
      const cx = (x % cell) - cell / 2;
      const cy = (y % cell) - cell / 2;
      const radius = cell * (0.15 + 0.03 * ((index * 7) % 5)) * Math.min(1, epoch / 3);
      const ring = Math.abs(Math.hypot(cx, cy * 0.7) - radius);
      const noise = ((x * 31 + y * 17 + epoch * 13) % 23) / 23;
      const value = Math.max(0, Math.min(255, Math.round(255 * Math.max(0, 1 - ring / 2.2) * Math.min(1, epoch / 2) + noise * 90 * Math.max(0, 1 - epoch / 4))));
      const offset = (y * columns * cell + x) * 4;
      png.data[offset] = value;
      png.data[offset + 1] = value;
      png.data[offset + 2] = value;
      png.data[offset + 3] = 255;
    }
  }
  return PNG.sync.write(png).toString('base64');
}
