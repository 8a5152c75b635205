/**
 * Redraw throttling, free of DOM globals so it is unit-tested in Node: the panel injects
 * `requestAnimationFrame`.
 *
 * - `FrameScheduler` coalesces every change within a frame into one redraw of the parts
 *   that changed (many messages per frame → one draw).
 * - `EveryN` lets a chart redraw only on every N-th progress message (GAN Lab's "redraw
 *   every N steps"); the panel adds a trailing redraw so the last point always shows.
 */

export type RequestFrame = (callback: () => void) => unknown;

export class FrameScheduler<Part extends string> {
  private readonly dirty = new Set<Part>();
  private pending = false;
  /** How many flushes ran (a test hook; also shown nowhere). */
  flushes = 0;

  constructor(
    private readonly requestFrame: RequestFrame,
    private readonly flush: (parts: ReadonlySet<Part>) => void,
  ) {}

  /** Whether a redraw waits for the next frame. */
  get isPending(): boolean {
    return this.pending;
  }

  mark(...parts: Part[]): void {
    for (const part of parts) this.dirty.add(part);
    if (this.pending || this.dirty.size === 0) return;
    this.pending = true;
    this.requestFrame(() => this.run());
  }

  /** Draws now whatever is marked (e.g. before the page is hidden). */
  flushNow(): void {
    if (this.dirty.size > 0) this.run();
  }

  private run(): void {
    this.pending = false;
    if (this.dirty.size === 0) return;
    const parts = new Set(this.dirty);
    this.dirty.clear();
    this.flushes++;
    this.flush(parts);
  }
}

export class EveryN {
  private count = 0;

  constructor(private readonly n: number) {}

  /** True on the 1st, (N+1)-th, (2N+1)-th … call. */
  tick(): boolean {
    const fire = this.count % Math.max(1, this.n) === 0;
    this.count++;
    return fire;
  }

  reset(): void {
    this.count = 0;
  }
}
