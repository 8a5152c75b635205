/** The Feature maps tab's input image as pixels: grey and RGB bytes → RGBA, its shown size and its words. */
import assert from 'node:assert/strict';
import { describeInputImage, inputImageDisplaySize, inputImageRgba, INPUT_IMAGE_SIDE } from '../../webviews/panel/input-image';
import * as f from './fixtures';

describe('webviews: the input image', () => {
  it('grey bytes fill R, G and B; every pixel is opaque', () => {
    // 2×1: black, white.
    assert.deepEqual(Array.from(inputImageRgba({ caption: 'test sample #0', width: 2, height: 1, channels: 1, pixels: 'AP8=' })), [0, 0, 0, 255, 255, 255, 255, 255]);
    const ramp = inputImageRgba(f.inputImage());
    assert.equal(ramp.length, 28 * 28 * 4);
    // Row 3, column 5: 4·(3 + 5) + 20 = 52.
    assert.deepEqual(Array.from(ramp.subarray((3 * 28 + 5) * 4, (3 * 28 + 5) * 4 + 4)), [52, 52, 52, 255]);
  });

  it('RGB bytes stay R, G, B', () => {
    // 2×1: red, then (1, 2, 3).
    const image = { caption: 'red.png', width: 2, height: 1, channels: 3 as const, pixels: Buffer.from([255, 0, 0, 1, 2, 3]).toString('base64') };
    assert.deepEqual(Array.from(inputImageRgba(image)), [255, 0, 0, 255, 1, 2, 3, 255]);
  });

  it('is scaled up by whole pixels to at most 128 CSS pixels, or shrunk to fit them', () => {
    assert.equal(INPUT_IMAGE_SIDE, 128);
    assert.deepEqual(inputImageDisplaySize(28, 28), { width: 112, height: 112, scale: 4 });
    assert.deepEqual(inputImageDisplaySize(32, 32), { width: 128, height: 128, scale: 4 });
    assert.deepEqual(inputImageDisplaySize(64, 32), { width: 128, height: 64, scale: 2 });
    assert.deepEqual(inputImageDisplaySize(256, 128), { width: 128, height: 64, scale: 0.5 });
  });

  it('says its size and colours', () => {
    assert.equal(describeInputImage(f.inputImage()), '28×28 grey');
    assert.equal(describeInputImage(f.inputImage('cat.png', 32, 32, 3)), '32×32 RGB');
  });
});
