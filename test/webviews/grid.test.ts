import assert from 'node:assert/strict';
import { cellAt, channelAt, gridLayout, tileOrigin, tilesOf } from '../../webviews/panel/grid';

describe('webviews: channel grid layout', () => {
  it('LeNet C1 (6@28×28) in 600 px: tiles at their largest (5×), spare width used for columns', () => {
    const layout = gridLayout(6, 28, 28, 600);
    assert.deepEqual(
      { columns: layout.columns, rows: layout.rows, scale: layout.scale, width: layout.width, height: layout.height },
      { columns: 4, rows: 2, scale: 5, width: 4 * 140 + 3 * 2, height: 2 * 140 + 2 },
    );
  });

  it('large maps (64@112×112) shrink below 1× to fit the width', () => {
    const layout = gridLayout(64, 112, 112, 600);
    assert.equal(layout.columns, 10);
    assert.equal(layout.rows, 7);
    assert.ok(layout.scale < 1 && layout.scale > 0.5);
    assert.ok(layout.width <= 600);
  });

  it('a vector layer (120 units) becomes 1×1 tiles scaled up', () => {
    const layout = gridLayout(120, 1, 1, 600);
    assert.equal(layout.columns, 14);
    assert.equal(layout.rows, 9);
    assert.equal(layout.scale, 41);
    assert.ok(layout.width <= 600);
  });

  it('integer scales when tiles are enlarged (crisp pixels)', () => {
    for (const [channels, size, width] of [
      [16, 10, 500],
      [6, 14, 333],
      [512, 7, 900],
      [3, 64, 1200],
    ] as const) {
      const layout = gridLayout(channels, size, size, width);
      if (layout.scale >= 1) assert.ok(Number.isInteger(layout.scale), `${channels}@${size}: scale ${layout.scale}`);
      assert.ok(layout.width <= Math.max(width, size), `${channels}@${size} fits ${width}`);
      assert.equal(layout.columns * layout.rows >= channels, true);
    }
  });

  it('channelAt inverts tileOrigin, and gaps or empty cells hit nothing', () => {
    const layout = gridLayout(10, 5, 7, 300, { gap: 3 });
    for (let channel = 0; channel < 10; channel++) {
      const origin = tileOrigin(layout, channel);
      assert.deepEqual(channelAt(layout, origin.x + layout.scale / 2, origin.y + layout.scale / 2), { channel, row: 0, column: 0 });
      assert.deepEqual(channelAt(layout, origin.x + layout.cellWidth - 0.5, origin.y + layout.cellHeight - 0.5), { channel, row: 4, column: 6 });
    }
    const first = tileOrigin(layout, 0);
    assert.equal(channelAt(layout, first.x + layout.cellWidth + 1, first.y), null, 'the gap between tiles');
    assert.equal(channelAt(layout, -1, 0), null);
    const lastRow = tileOrigin(layout, layout.columns * (layout.rows - 1));
    if (layout.columns * layout.rows > 10) assert.equal(channelAt(layout, layout.width - 1, lastRow.y + 1), null, 'past the last channel');
  });

  it('reads tensor shapes as tiles', () => {
    assert.deepEqual(tilesOf([6, 28, 28]), { channels: 6, height: 28, width: 28 });
    assert.deepEqual(tilesOf([84]), { channels: 84, height: 1, width: 1 });
    assert.deepEqual(tilesOf([5, 7]), { channels: 1, height: 5, width: 7 });
    assert.equal(tilesOf([1, 2, 3, 4]), null);
  });

  it('finds the GAN sample cell under a click', () => {
    assert.equal(cellAt(0, 0, 112, 112, 4, 4), 0);
    assert.equal(cellAt(56, 0, 112, 112, 4, 4), 2);
    assert.equal(cellAt(111, 111, 112, 112, 4, 4), 15);
    assert.equal(cellAt(30, 90, 224, 112, 4, 8), 3 * 8 + 1);
    assert.equal(cellAt(112, 0, 112, 112, 4, 4), null);
    assert.equal(cellAt(-1, 0, 112, 112, 4, 4), null);
  });
});
