import assert from 'node:assert/strict';
import { colourAt, displayRange, gradientStops, lookupTable, luminance, normaliser, paintTile, parseHex, toHex } from '../../webviews/panel/colormap';

describe('webviews: colour maps', () => {
  it('viridis runs from #440154 through #21918c to #fde725', () => {
    assert.equal(toHex(colourAt('viridis', 0)), '#440154');
    assert.equal(toHex(colourAt('viridis', 0.5)), '#21918c');
    assert.equal(toHex(colourAt('viridis', 1)), '#fde725');
  });

  it('viridis gets lighter all the way (perceptually ordered)', () => {
    const table = lookupTable('viridis');
    assert.equal(table.length, 256 * 3);
    let previous = -1;
    for (let i = 0; i < 256; i++) {
      const current = luminance([table[i * 3]!, table[i * 3 + 1]!, table[i * 3 + 2]!]);
      // 5e-4: matplotlib's table, rounded to bytes, dips by at most 3e-4 (entry 95).
      assert.ok(current >= previous - 5e-4, `entry ${i} is darker than entry ${i - 1}`);
      previous = current;
    }
  });

  it('the diverging map is blue below, near-white at, red above its centre (ColorBrewer RdBu)', () => {
    // RdBu's ends (ColorBrewer, 11 classes): #053061 (blue) and #67001f (red).
    assert.equal(toHex(colourAt('diverging', 0)), '#053061');
    assert.equal(toHex(colourAt('diverging', 1)), '#67001f');
    const middle = colourAt('diverging', 0.5);
    // Its centre class is #f7f7f7; the continuous scheme (a B-spline through the classes) passes near it.
    assert.ok(middle.every((channel, index) => Math.abs(channel - [0xf7, 0xf7, 0xf7][index]!) <= 10), toHex(middle));
    const [r, , b] = colourAt('diverging', 0.25);
    assert.ok(b > r, 'a quarter of the way: bluish');
    const [r2, , b2] = colourAt('diverging', 0.75);
    assert.ok(r2 > b2, 'three quarters: reddish');
  });

  it('viridis is matplotlib\'s table: entry 64 of 256 is #3b528b, entry 192 is #5ec962', () => {
    // matplotlib's _viridis_data[64] = (0.229739, 0.322361, 0.545706), [192] = (0.369214, 0.788888, 0.382914).
    assert.equal(toHex(colourAt('viridis', 64 / 255)), '#3b528b');
    assert.equal(toHex(colourAt('viridis', 192 / 255)), '#5ec962');
  });

  it('clamps t and reads NaN as the low end', () => {
    assert.deepEqual(colourAt('viridis', -3), colourAt('viridis', 0));
    assert.deepEqual(colourAt('viridis', 7), colourAt('viridis', 1));
    assert.deepEqual(colourAt('viridis', NaN), colourAt('viridis', 0));
  });

  it('normalises per layer range; a constant range reads as the low end; the diverging map is symmetric', () => {
    const viridis = normaliser('viridis', { min: -1, max: 3 });
    assert.equal(viridis(-1), 0);
    assert.equal(viridis(1), 0.5);
    assert.equal(viridis(3), 1);
    assert.equal(normaliser('viridis', { min: 2, max: 2 })(2), 0);
    const diverging = normaliser('diverging', { min: -0.2, max: 0.6 });
    assert.equal(diverging(0), 0.5);
    assert.equal(diverging(0.6), 1);
    assert.equal(diverging(-0.6), 0);
    assert.equal(normaliser('diverging', { min: 0, max: 0 })(0), 0.5);
    assert.deepEqual(displayRange('diverging', { min: -0.2, max: 0.6 }), { min: -0.6, max: 0.6 });
    assert.deepEqual(displayRange('viridis', { min: -0.2, max: 0.6 }), { min: -0.2, max: 0.6 });
  });

  it('paints a tile as opaque RGBA from an offset', () => {
    const out = new Uint8ClampedArray(4 * 4);
    paintTile([99, -1, 3, 1, NaN], 1, 2, 2, 'viridis', { min: -1, max: 3 }, out);
    assert.deepEqual([...out.slice(0, 4)], [0x44, 0x01, 0x54, 255]);
    assert.deepEqual([...out.slice(4, 8)], [0xfd, 0xe7, 0x25, 255]);
    assert.deepEqual([...out.slice(8, 12)], [...colourAt('viridis', 0.5), 255]);
    assert.deepEqual([...out.slice(12, 16)], [0x44, 0x01, 0x54, 255], 'NaN paints the low end');
  });

  it('gives CSS gradient stops and parses colours', () => {
    const stops = gradientStops('viridis', 3);
    assert.deepEqual(stops, ['#440154 0.0%', '#21918c 50.0%', '#fde725 100.0%']);
    assert.deepEqual(parseHex('#0a0B0c'), [10, 11, 12]);
    assert.throws(() => parseHex('red'));
  });
});
