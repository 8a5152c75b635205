/**
 * A small seeded generator for everything the runtime draws in JavaScript (shuffles,
 * augmentation, latent vectors), so a seeded run repeats exactly. Mulberry32 (Tommy
 * Ettinger, public domain): 32-bit state, fast, and good enough for shuffling.
 */
export type Random = () => number;

export function toRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A permutation of 0…count−1 (Fisher–Yates). */
export function shuffledIndices(count: number, random: Random): Int32Array {
  const indices = Int32Array.from({ length: count }, (_, index) => index);
  for (let index = count - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    const swap = indices[index] as number;
    indices[index] = indices[other] as number;
    indices[other] = swap;
  }
  return indices;
}

/** Uniform draws in [low, high) (weights and inputs of tests that must repeat exactly). */
export function uniformValues(count: number, random: Random, low = 0, high = 1): Float32Array {
  const values = new Float32Array(count);
  for (let index = 0; index < count; index += 1) values[index] = low + random() * (high - low);
  return values;
}

/** Standard normal draws (Box–Muller). */
export function normalValues(count: number, random: Random): Float32Array {
  const values = new Float32Array(count);
  for (let index = 0; index < count; index += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    values[index] = radius * Math.cos(angle);
    if (index + 1 < count) values[index + 1] = radius * Math.sin(angle);
  }
  return values;
}
