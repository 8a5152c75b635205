import assert from 'node:assert/strict';

/**
 * The largest difference between `actual` and `expected`, relative to the largest
 * magnitude in `expected` (at least 1e-6): how the runtime's tests compare one backend's
 * numbers with another's.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length);
  let difference = 0;
  let scale = 1e-6;
  for (let index = 0; index < expected.length; index += 1) {
    difference = Math.max(difference, Math.abs((actual[index] as number) - (expected[index] as number)));
    scale = Math.max(scale, Math.abs(expected[index] as number));
  }
  return difference / scale;
}
