import assert from 'node:assert/strict';
import { alignSeries, chartDomains, decimalsOf, extent, linearScale, niceDomain, niceTicks, tickStep } from '../../webviews/panel/scale';

describe('webviews: scales, ticks and chart ranges', () => {
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

  it('puts series on one x axis for uPlot: absent points undefined (joined), missing values null (a gap)', () => {
    const aligned = alignSeries([
      { id: 'train', label: 'train', colour: 'red', points: [{ x: 1, y: 0.5 }, { x: 2, y: 0.25 }] },
      { id: 'train-live', label: 'live', colour: 'red', points: [{ x: 2, y: 0.25 }, { x: 2.5, y: 0.2 }] },
      { id: 'validation', label: 'validation', colour: 'blue', points: [{ x: 1, y: null }, { x: 2, y: 0.3 }] },
    ]);
    assert.deepEqual(aligned, [
      [1, 2, 2.5],
      [0.5, 0.25, undefined],
      [undefined, 0.25, 0.2],
      [null, 0.3, undefined],
    ]);
  });

  it('ranges a chart: x from 0 to the planned epochs (or the data beyond), y nice around the data', () => {
    const train = { id: 'train', label: 'train', colour: '--cl-train', markers: true, points: [1, 2, 3].map((epoch) => ({ x: epoch, y: 1 / epoch })) };
    // 1/3 … 1 widened to steps of 0.2.
    assert.deepEqual(chartDomains({ xMax: 5, series: [train] }), { x: [0, 5], y: [0.2, 1] });
    assert.deepEqual(chartDomains({ xMax: 2, series: [{ ...train, points: [{ x: 3, y: 1 }] }] }).x, [0, 3]);
  });

  it('clamps accuracy to [0, 1] and a loss to ≥ 0; an empty chart shows [0, 1]', () => {
    const accuracy = chartDomains({ yClamp: [0, 1], yPercent: true, series: [{ id: 'a', label: 'a', colour: 'red', points: [{ x: 1, y: 0.97 }, { x: 2, y: 0.999 }] }] });
    assert.ok(accuracy.y[1] <= 1, `${accuracy.y}`);
    assert.deepEqual(chartDomains({ series: [{ id: 'a', label: 'a', colour: 'red', points: [] }] }).y, [0, 1]);
    assert.deepEqual(chartDomains({ yClamp: [0, Infinity], series: [{ id: 'a', label: 'a', colour: 'red', points: [] }] }).y, [0, 1]);
    assert.equal(chartDomains({ yClamp: [0, Infinity], series: [{ id: 'a', label: 'a', colour: 'red', points: [{ x: 1, y: 0.01 }, { x: 2, y: 2.3 }] }] }).y[0], 0);
  });
});
