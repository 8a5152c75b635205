import assert from 'node:assert/strict';
import { EveryN, FrameScheduler } from '../../webviews/panel/throttle';

describe('webviews: redraw throttling', () => {
  it('coalesces every mark within a frame into one flush of the marked parts', () => {
    const frames: (() => void)[] = [];
    const flushed: string[][] = [];
    const scheduler = new FrameScheduler<'a' | 'b' | 'c'>((callback) => frames.push(callback), (parts) => flushed.push([...parts].sort()));
    scheduler.mark('a');
    scheduler.mark('b', 'a');
    for (let i = 0; i < 1000; i++) scheduler.mark('b');
    assert.equal(frames.length, 1, 'one frame requested for many marks');
    frames.shift()!();
    assert.deepEqual(flushed, [['a', 'b']]);
    scheduler.mark('c');
    assert.equal(frames.length, 1);
    scheduler.flushNow();
    assert.deepEqual(flushed, [['a', 'b'], ['c']]);
    frames.shift()!();
    assert.equal(flushed.length, 2, 'a frame with nothing marked draws nothing');
    assert.equal(scheduler.flushes, 2);
  });

  it('fires on every N-th tick, starting with the first', () => {
    const every = new EveryN(3);
    assert.deepEqual(
      Array.from({ length: 7 }, () => every.tick()),
      [true, false, false, true, false, false, true],
    );
    every.reset();
    assert.equal(every.tick(), true);
    const always = new EveryN(0);
    assert.deepEqual([always.tick(), always.tick()], [true, true]);
  });
});
