/**
 * The receptive-field box on the input (webviews/panel/receptive-field.ts): literal
 * rectangles worked out by hand for LeNet-5. Unit (r, c) of a layer with size s, jump j and
 * start t covers input pixels [t + j·r − (s − 1)/2, t + j·r + (s − 1)/2] along each axis,
 * clipped to the image; the fields are the engine's (test/extension-panel-content.test.ts
 * holds the engine to these numbers).
 */
import assert from 'node:assert/strict';
import type { ReceptiveFieldGeometry } from '../../webviews/protocol';
import { describeBox, heatRgba, receptiveFieldBox } from '../../webviews/panel/receptive-field';

const square = (size: number, jump: number, start: number): ReceptiveFieldGeometry => ({ size: [size, size], jump: [jump, jump], start: [start, start] });

describe('webviews: the receptive-field box', () => {
  // lenet5Mnist, 1@28×28.
  const conv1 = square(5, 1, 0);
  const pool1 = square(6, 2, 0.5);
  const conv2 = square(14, 2, 4.5);
  const pool2 = square(16, 4, 5.5);

  it('conv2d_1 (5, jump 1, start 0): unit (r, c) covers [r − 2, r + 2], clipped at the borders', () => {
    assert.deepEqual(receptiveFieldBox(conv1, { row: 14, column: 9 }, 28, 28), { top: 12, bottom: 16, left: 7, right: 11 });
    assert.deepEqual(receptiveFieldBox(conv1, { row: 0, column: 0 }, 28, 28), { top: 0, bottom: 2, left: 0, right: 2 });
    assert.deepEqual(receptiveFieldBox(conv1, { row: 10, column: 27 }, 28, 28), { top: 8, bottom: 12, left: 25, right: 27 });
  });

  it('maxPool2d_1 (6, jump 2, start 0.5): unit (r, c) covers [2r − 2, 2r + 3]', () => {
    assert.deepEqual(receptiveFieldBox(pool1, { row: 5, column: 13 }, 28, 28), { top: 8, bottom: 13, left: 24, right: 27 });
    assert.deepEqual(receptiveFieldBox(pool1, { row: 3, column: 7 }, 28, 28), { top: 4, bottom: 9, left: 12, right: 17 });
  });

  it('conv2d_2 (14, jump 2, start 4.5): unit (r, c) covers [2r − 2, 2r + 11]', () => {
    assert.deepEqual(receptiveFieldBox(conv2, { row: 4, column: 6 }, 28, 28), { top: 6, bottom: 19, left: 10, right: 23 });
    assert.deepEqual(receptiveFieldBox(conv2, { row: 0, column: 0 }, 28, 28), { top: 0, bottom: 11, left: 0, right: 11 });
    assert.deepEqual(receptiveFieldBox(conv2, { row: 9, column: 9 }, 28, 28), { top: 16, bottom: 27, left: 16, right: 27 });
  });

  it('maxPool2d_2 (16, jump 4, start 5.5): unit (r, c) covers [4r − 2, 4r + 13]', () => {
    assert.deepEqual(receptiveFieldBox(pool2, { row: 1, column: 2 }, 28, 28), { top: 2, bottom: 17, left: 6, right: 21 });
    assert.deepEqual(receptiveFieldBox(pool2, { row: 4, column: 4 }, 28, 28), { top: 14, bottom: 27, left: 14, right: 27 });
  });

  it('the 1998 LeNet-5 without padding (C1: 5, jump 1, start 2 on 32×32): unit (r, c) covers [r, r + 4]; axes apart', () => {
    assert.deepEqual(receptiveFieldBox(square(5, 1, 2), { row: 27, column: 0 }, 32, 32), { top: 27, bottom: 31, left: 0, right: 4 });
    const wide: ReceptiveFieldGeometry = { size: [3, 7], jump: [1, 2], start: [1, 3] };
    assert.deepEqual(receptiveFieldBox(wide, { row: 2, column: 5 }, 10, 20), { top: 2, bottom: 4, left: 10, right: 16 });
  });

  it('a unit that sees only padding has no box', () => {
    assert.equal(receptiveFieldBox(square(3, 1, -5), { row: 0, column: 0 }, 8, 8), null);
    assert.equal(describeBox({ top: 6, bottom: 19, left: 10, right: 10 }), 'rows 6–19 × columns 10');
  });

  it('heat over the input: opacity in proportion to the value, 0.85 at the largest', () => {
    const rgba = heatRgba({ shape: [2, 2], values: [0, 0.5, 1, 2], min: 0, max: 2 });
    assert.deepEqual(Array.from(rgba.filter((_, index) => index % 4 === 3)), [0, 54, 108, 217]);
    assert.deepEqual(Array.from(rgba.subarray(12, 15)), [255, 64, 0]);
    assert.deepEqual(Array.from(heatRgba({ shape: [1, 2], values: [0, 0], min: 0, max: 0 })), [255, 64, 0, 0, 255, 64, 0, 0]);
  });
});
