import assert from 'node:assert/strict';
import { greyOfRgba, inkBox, resample, toDigitImage } from '../../webviews/panel/drawing';

/** A width × height image with a filled rectangle of 1s. */
function rectangle(width: number, height: number, left: number, top: number, w: number, h: number): Float64Array {
  const image = new Float64Array(width * height);
  for (let y = top; y < top + h; y++) for (let x = left; x < left + w; x++) image[y * width + x] = 1;
  return image;
}

describe('webviews: drawn digit preprocessing', () => {
  it('resamples by area averaging', () => {
    const source = [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
    assert.deepEqual([...resample(source, 4, 4, 2, 2)], [1, 0, 0, 0.5]);
    const third = [...resample([0, 1, 0], 3, 1, 2, 1)];
    assert.ok(Math.abs(third[0]! - 1 / 3) < 1e-12 && Math.abs(third[1]! - 1 / 3) < 1e-12);
    assert.ok([...resample([0.5], 1, 1, 3, 1)].every((value) => Math.abs(value - 0.5) < 1e-12));
  });

  it('finds the ink', () => {
    assert.deepEqual(inkBox(rectangle(10, 10, 2, 3, 4, 5), 10, 10), { left: 2, top: 3, width: 4, height: 5 });
    assert.equal(inkBox(new Float64Array(100), 10, 10), null);
  });

  it('an empty drawing is all zeros', () => {
    const digit = toDigitImage(new Float64Array(280 * 280), 280, 280);
    assert.equal(digit.length, 784);
    assert.ok(digit.every((value) => value === 0));
  });

  it('fits the ink into 20×20 and centres its mass in 28×28, like MNIST', () => {
    const square = toDigitImage(rectangle(280, 280, 50, 30, 100, 100), 280, 280);
    const on = (x: number, y: number): number => square[y * 28 + x]!;
    assert.equal(on(4, 4), 1);
    assert.equal(on(23, 23), 1);
    assert.equal(on(3, 4), 0);
    assert.equal(on(24, 24), 0);
    assert.equal(
      square.reduce((sum, value) => sum + value, 0),
      400,
    );
    // A tall bar keeps its aspect: 20 high, 2 wide, centred.
    const bar = toDigitImage(rectangle(280, 280, 200, 40, 20, 200), 280, 280);
    const columns = new Set<number>();
    const rows = new Set<number>();
    bar.forEach((value, index) => {
      if (value > 0) {
        columns.add(index % 28);
        rows.add(Math.floor(index / 28));
      }
    });
    assert.deepEqual([...columns].sort((a, b) => a - b), [13, 14]);
    assert.equal(rows.size, 20);
    assert.equal(Math.min(...rows), 4);
  });

  it('reads grey from the red channel of RGBA', () => {
    assert.deepEqual([...greyOfRgba([255, 0, 0, 255, 51, 51, 51, 255], 2)], [1, 0.2]);
  });
});
