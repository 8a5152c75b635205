import assert from 'node:assert/strict';
import { CHART_MARGIN, chartGeometry, decimalsOf, extent, linearScale, niceDomain, niceTicks, segmentsOf, tickStep } from '../../webviews/panel/scale';

describe('webviews: chart scales and ticks', () => {
  it('maps and inverts a linear scale, including a reversed range', () => {
    const x = linearScale([0, 10], [0, 100]);
    assert.equal(x.map(5), 50);
    assert.equal(x.invert(25), 2.5);
    const y = linearScale([0, 2], [200, 0]);
    assert.equal(y.map(0), 200);
    assert.equal(y.map(2), 0);
    assert.equal(y.map(0.5), 150);
    assert.equal(linearScale([3, 3], [0, 100]).map(3), 50, 'a degenerate domain maps to the middle');
  });

  it('picks 1-2-5 tick steps', () => {
    assert.equal(tickStep(0, 1, 5), 0.2);
    assert.equal(tickStep(0, 10, 5), 2);
    assert.equal(tickStep(0, 7, 5), 1);
    assert.equal(tickStep(0, 100, 4), 20);
    assert.equal(tickStep(0, 0.003, 3), 0.001);
    assert.equal(tickStep(1, 1, 5), 0);
  });

  it('places nice ticks inside the range without float noise', () => {
    assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0.13, 0.87, 4), [0.2, 0.4, 0.6, 0.8]);
    assert.deepEqual(niceTicks(-1, 3, 4), [-1, 0, 1, 2, 3]);
    assert.deepEqual(niceTicks(0.1, 0.7, 6), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    assert.deepEqual(niceTicks(2, 2), [2]);
  });

  it('widens a domain to tick multiples and gives a single value room', () => {
    assert.deepEqual(niceDomain(0.23, 1.37, 4), [0.2, 1.4]);
    assert.deepEqual(niceDomain(5, 5, 4), [4.4, 5.6]);
    assert.deepEqual(niceDomain(0, 0, 4), [-1, 1]);
    assert.deepEqual(niceDomain(NaN, 1), [0, 1]);
  });

  it('counts the decimals a step needs', () => {
    assert.equal(decimalsOf(0.25), 2);
    assert.equal(decimalsOf(0.2), 1);
    assert.equal(decimalsOf(5), 0);
    assert.equal(decimalsOf(0.001), 3);
  });

  it('finds the extent of finite values only', () => {
    assert.deepEqual(extent([3, null, NaN, -1, Infinity, undefined]), [-1, 3]);
    assert.equal(extent([]), null);
    assert.equal(extent([null, NaN]), null);
  });

  it('splits a series into segments at missing values', () => {
    const identity = linearScale([0, 1], [0, 1]);
    assert.deepEqual(
      segmentsOf(
        [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
          { x: 2, y: null },
          { x: 3, y: 3 },
        ],
        identity,
        identity,
      ),
      [
        [
          [0, 0],
          [1, 1],
        ],
        [[3, 3]],
      ],
    );
  });

  it('lays out a chart: plot area, epoch ticks, pixel paths', () => {
    const geometry = chartGeometry({
      width: 400,
      height: 220,
      xMax: 5,
      series: [{ id: 'train', label: 'train', colour: '--cl-train', markers: true, points: [1, 2, 3].map((epoch) => ({ x: epoch, y: 1 / epoch })) }],
    });
    assert.deepEqual(geometry.plot, { x: CHART_MARGIN.left, y: CHART_MARGIN.top, width: 400 - CHART_MARGIN.left - CHART_MARGIN.right, height: 220 - CHART_MARGIN.top - CHART_MARGIN.bottom });
    assert.deepEqual(
      geometry.xTicks.map((tick) => tick.label),
      ['0', '1', '2', '3', '4', '5'],
    );
    const [first] = geometry.paths[0]!.segments[0]!;
    // Epoch 1 of 5 sits a fifth of the way along the x axis; y = 1 is the top of the nice domain.
    assert.equal(first![0], geometry.plot.x + geometry.plot.width / 5);
    assert.deepEqual(geometry.yScale.domain, [0.2, 1]);
    assert.equal(first![1], geometry.plot.y);
    assert.equal(geometry.paths[0]!.markers, true);
    assert.equal(geometry.empty, false);
    for (const tick of geometry.yTicks) assert.ok(tick.value >= 0.2 && tick.value <= 1, `tick ${tick.value} inside the domain`);
  });

  it('labels accuracy as percentages clamped to [0, 1], and says when it is empty', () => {
    const accuracy = chartGeometry({ width: 400, height: 220, yClamp: [0, 1], yPercent: true, series: [{ id: 'a', label: 'a', colour: 'red', points: [{ x: 1, y: 0.97 }, { x: 2, y: 0.99 }] }] });
    assert.ok(accuracy.yScale.domain[1] <= 1);
    assert.ok(accuracy.yTicks.every((tick) => tick.label.endsWith('%')));
    const empty = chartGeometry({ width: 400, height: 220, series: [{ id: 'a', label: 'a', colour: 'red', points: [] }] });
    assert.equal(empty.empty, true);
    assert.deepEqual(empty.yScale.domain, [0, 1]);
  });

  it('extends the x axis with the data beyond the planned epochs and keeps whole-epoch ticks', () => {
    const geometry = chartGeometry({ width: 600, height: 200, xMax: 2, series: [{ id: 'a', label: 'a', colour: 'red', points: [{ x: 3, y: 1 }] }] });
    assert.equal(geometry.xScale.domain[1], 3);
    assert.ok(geometry.xTicks.every((tick) => Number.isInteger(tick.value)));
  });
});
