/**
 * The CIFAR-10 binary version (https://www.cs.toronto.edu/~kriz/cifar.html): each record
 * is one label byte and 3,072 pixel bytes, the 1,024 red then green then blue values of
 * a 32×32 image row by row (channels first). Records are converted to channels last.
 */

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;
const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;

export function parseCifar10Batches(batches: readonly Uint8Array[], what: string): { images: Uint8Array; labels: Int32Array; count: number } {
  const count = batches.reduce((total, batch) => {
    if (batch.length % RECORD !== 0) throw new Error(`${what}: a batch of ${batch.length} bytes is not a whole number of ${RECORD}-byte records`);
    return total + batch.length / RECORD;
  }, 0);
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Int32Array(count);
  let index = 0;
  for (const batch of batches) {
    for (let offset = 0; offset < batch.length; offset += RECORD, index += 1) {
      const label = batch[offset] as number;
      if (label >= CIFAR10_CLASSES.length) throw new Error(`${what}: record ${index} has label ${label}, expected 0–9`);
      labels[index] = label;
      const target = index * 3 * PLANE;
      for (let pixel = 0; pixel < PLANE; pixel += 1) {
        images[target + 3 * pixel] = batch[offset + 1 + pixel] as number;
        images[target + 3 * pixel + 1] = batch[offset + 1 + PLANE + pixel] as number;
        images[target + 3 * pixel + 2] = batch[offset + 1 + 2 * PLANE + pixel] as number;
      }
    }
  }
  return { images, labels, count };
}
