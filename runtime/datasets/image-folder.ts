/**
 * A dataset from a folder of images, one subfolder per class (the layout of torchvision's
 * ImageFolder and Keras's image_dataset_from_directory): `<folder>/<class>/*.png|jpg`.
 * When the folder has `train/` and `test/` subfolders, each holds classes and becomes
 * that split; otherwise every image is for training (a validation split can be taken
 * from it). Images are converted and resized to the model's input (image-file.ts).
 */
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { measureChannels, type Dataset, type ImageSet } from './dataset';
import { isImageFile, readImage, toModelPixels } from './image-file';

async function subfolders(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name).sort();
}

async function readSplit(folder: string, classes: readonly string[], shape: readonly [number, number, number]): Promise<ImageSet> {
  const [channels, height, width] = shape;
  const pixels: Uint8Array[] = [];
  const labels: number[] = [];
  for (const [label, name] of classes.entries()) {
    const classFolder = path.join(folder, name);
    const files = (await readdir(classFolder).catch(() => [] as string[])).filter(isImageFile).sort();
    for (const file of files) {
      const image = await readImage(path.join(classFolder, file), path.join(path.basename(folder), name, file));
      pixels.push(toModelPixels(image, shape));
      labels.push(label);
    }
  }
  const size = channels * height * width;
  const images = new Uint8Array(pixels.length * size);
  pixels.forEach((image, index) => images.set(image, index * size));
  return { images, labels: Int32Array.from(labels), count: labels.length };
}

/** Loads `folder` resized to `shape` ([channels, height, width], the model's input). */
export async function loadImageFolder(folder: string, shape: readonly [number, number, number]): Promise<Dataset> {
  const info = await stat(folder).catch(() => null);
  if (info === null || !info.isDirectory()) throw new Error(`${folder} is not a folder`);
  const top = await subfolders(folder);
  const split = top.includes('train') && top.includes('test');
  const trainFolder = split ? path.join(folder, 'train') : folder;
  const classes = await subfolders(trainFolder);
  if (classes.length < 2) {
    throw new Error(`${folder} needs one subfolder per class (at least two) with PNG or JPEG images; found ${classes.length === 0 ? 'none' : `only '${classes[0]}'`}`);
  }
  const train = await readSplit(trainFolder, classes, shape);
  if (train.count === 0) throw new Error(`${trainFolder}'s class folders hold no PNG or JPEG images`);
  const test = split ? await readSplit(path.join(folder, 'test'), classes, shape) : null;
  const { mean, std } = measureChannels(train.images, shape[0]);
  return { name: path.basename(path.resolve(folder)), source: folder, shape: [...shape] as [number, number, number], classes, train, test, mean, std };
}
